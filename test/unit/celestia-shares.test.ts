/**
 * Celestia share layout and blob share commitments, checked against vectors taken from Celestia's own
 * Go tests and test data (no expected value here was produced by the code under test):
 *   GS  = github.com/celestiaorg/go-square/v3@v3.0.2
 *   NMT = github.com/celestiaorg/nmt@v0.24.3
 *   APP = github.com/celestiaorg/celestia-app/v9@v9.0.8
 *   CN  = github.com/celestiaorg/celestia-node@v0.32.1
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  BlobError,
  blobCommitment,
  blobMinSquareSize,
  blobSubtreeRoots,
  CONTINUATION_SPARSE_SHARE_CONTENT_SIZE,
  FIRST_SPARSE_SHARE_CONTENT_SIZE,
  FIRST_SPARSE_SHARE_CONTENT_SIZE_WITH_SIGNER,
  isReservedNamespace,
  MAX_SHARE_VERSION,
  merkleMountainRangeSizes,
  NAMESPACE_SIZE,
  NamespaceError,
  namespaceV0,
  nmtRoot,
  roundDownPowerOfTwo,
  roundUpPowerOfTwo,
  SHARE_SIZE,
  SIGNER_SIZE,
  SUBTREE_ROOT_THRESHOLD,
  sparseSharesNeeded,
  splitBlobIntoShares,
  subtreeWidth,
  validateNamespace,
} from "../../relayer/celestia/shares.js";

// Independent helpers, so the expectations do not go through the module's own hashing or byte code.
function sha(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}
const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "hex"));
const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64"));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const repeat = (byte: number, count: number): Uint8Array => new Uint8Array(count).fill(byte);
const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A namespace spelled out the way go-square builds it: version byte, then the 28-byte id. */
function ns(version: number, id: Uint8Array): Uint8Array {
  return cat(Uint8Array.of(version), id);
}
// GS share/consts.go:111-138 (the reserved namespaces) and :144-150 (how they are built).
const primaryReserved = (last: number): Uint8Array => ns(0, cat(repeat(0, 27), Uint8Array.of(last)));
const secondaryReserved = (last: number): Uint8Array => ns(255, cat(repeat(0xff, 27), Uint8Array.of(last)));
const TX_NAMESPACE = primaryReserved(0x01);
const INTERMEDIATE_STATE_ROOTS_NAMESPACE = primaryReserved(0x02);
const PAY_FOR_BLOB_NAMESPACE = primaryReserved(0x04);
const PRIMARY_RESERVED_PADDING_NAMESPACE = primaryReserved(0xff);
const MAX_PRIMARY_RESERVED_NAMESPACE = primaryReserved(0xff);
const MIN_SECONDARY_RESERVED_NAMESPACE = secondaryReserved(0x00);
const TAIL_PADDING_NAMESPACE = secondaryReserved(0xfe);
const PARITY_SHARES_NAMESPACE = secondaryReserved(0xff);

// GS share/namespace_test.go:14-19 and inclusion/commitment_test.go:69: ns1 = MustNewV0Namespace(0x01 × 10).
const NS1_BYTES = cat(Uint8Array.of(0), repeat(0, 18), repeat(1, 10));

describe("celestia share constants", () => {
  it("match go-square's share sizes and celestia-app's subtree root threshold", () => {
    // GS share/consts.go:10 ShareSize, :50 FirstSparseShareContentSize, :54 ...WithSigner, :58 Continuation..., :71 SignerSize.
    assert.equal(SHARE_SIZE, 512);
    assert.equal(NAMESPACE_SIZE, 29);
    assert.equal(SIGNER_SIZE, 20);
    assert.equal(FIRST_SPARSE_SHARE_CONTENT_SIZE, 478);
    assert.equal(FIRST_SPARSE_SHARE_CONTENT_SIZE_WITH_SIGNER, 458);
    assert.equal(CONTINUATION_SPARSE_SHARE_CONTENT_SIZE, 482);
    // GS share/utils_test.go:84-111 TestAvailableBytesFromSparseShares: 10 shares hold 4816 bytes.
    assert.equal(FIRST_SPARSE_SHARE_CONTENT_SIZE + 9 * CONTINUATION_SPARSE_SHARE_CONTENT_SIZE, 4816);
    // APP pkg/appconsts/app_consts_test.go:39-41 TestSubtreeRootThreshold pins it at 64.
    assert.equal(SUBTREE_ROOT_THRESHOLD, 64);
    assert.equal(MAX_SHARE_VERSION, 127);
  });
});

describe("celestia namespaces", () => {
  it("builds version 0 namespaces as go-square does", () => {
    // GS share/namespace_test.go:77-115 TestNewV0 "valid namespace" (line 87).
    assert.deepEqual(namespaceV0(repeat(1, 10)), NS1_BYTES);
    // GS share/namespace_test.go:93 "left pads subID if too short", given here already padded.
    assert.deepEqual(
      namespaceV0(Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 2, 3, 4)),
      cat(repeat(0, 19), Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 2, 3, 4)),
    );
  });

  it("rejects ids that are not exactly 10 bytes", () => {
    // GS share/namespace_test.go:99 "subID is too long"; short ids are refused rather than padded.
    assert.throws(() => namespaceV0(repeat(1, 11)), NamespaceError);
    assert.throws(() => namespaceV0(Uint8Array.of(1, 2, 3, 4)), NamespaceError);
    assert.throws(() => namespaceV0(new Uint8Array()), NamespaceError);
  });

  it("rejects ids that land in the primary reserved range", () => {
    // GS share/consts.go:111-126: Tx 0x01, ISR 0x02, PFB 0x04, padding 0xFF; everything ≤ 0x…00FF is reserved.
    for (const last of [0x00, 0x01, 0x02, 0x04, 0x10, 0xff]) {
      assert.throws(() => namespaceV0(cat(repeat(0, 9), Uint8Array.of(last))), NamespaceError, `id …${last}`);
    }
    // The first id above MaxPrimaryReservedNamespace is usable.
    assert.deepEqual(
      namespaceV0(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 0)),
      cat(repeat(0, 27), Uint8Array.of(1, 0)),
    );
  });

  it("validates namespaces received from outside like ValidateForBlob", () => {
    validateNamespace(NS1_BYTES);
    // Real blob namespaces: GS share/testdata/mocha-shares.json and CN api/docgen/exampledata/blob.json.
    validateNamespace(hex("00000000000000000000000000000000000000000072656e6572656e65"));
    validateNamespace(b64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE="));
    // GS share/namespace_test.go:14-19 and :117-176 TestFrom's invalid cases.
    const prefix = repeat(0, 18);
    const invalid: [string, Uint8Array][] = [
      ["unsupported version", cat(Uint8Array.of(1), prefix, repeat(1, 10))],
      ["id too short", ns(0, cat(prefix, Uint8Array.of(1)))],
      ["id too long", ns(0, cat(prefix, repeat(1, NAMESPACE_SIZE)))],
      ["invalid prefix", ns(0, repeat(1, NAMESPACE_SIZE))],
      // Valid namespaces for go-square's NewNamespaceFromBytes, but not for blobs (ValidateForBlob).
      ["parity shares", repeat(0xff, NAMESPACE_SIZE)],
      ["tail padding", TAIL_PADDING_NAMESPACE],
      ["min secondary reserved", MIN_SECONDARY_RESERVED_NAMESPACE],
      ["tx", TX_NAMESPACE],
      ["pay for blob", PAY_FOR_BLOB_NAMESPACE],
      ["empty", new Uint8Array()],
    ];
    for (const [name, bytes] of invalid) assert.throws(() => validateNamespace(bytes), NamespaceError, name);
  });

  it("knows the reserved ranges", () => {
    // GS share/namespace_test.go:218-270 TestIsReserved.
    const cases: [Uint8Array, boolean][] = [
      [NS1_BYTES, false],
      [TX_NAMESPACE, true],
      [INTERMEDIATE_STATE_ROOTS_NAMESPACE, true],
      [PAY_FOR_BLOB_NAMESPACE, true],
      [PRIMARY_RESERVED_PADDING_NAMESPACE, true],
      [MAX_PRIMARY_RESERVED_NAMESPACE, true],
      [MIN_SECONDARY_RESERVED_NAMESPACE, true],
      [TAIL_PADDING_NAMESPACE, true],
      [PARITY_SHARES_NAMESPACE, true],
      [ns(255, cat(repeat(0xff, 27), Uint8Array.of(1))), true],
    ];
    for (const [bytes, want] of cases) assert.equal(isReservedNamespace(bytes), want, toHex(bytes));
  });
});

describe("celestia sparse shares", () => {
  const ns1 = namespaceV0(repeat(1, 10));

  it("lays out the first share and a continuation share", () => {
    // GS share/share_builder_test.go:144-216 TestShareBuilderAddData (lines 167, 179, 191): 478 bytes fill the first sparse
    // share exactly ("exact fit first sparse share"), one more spills a single byte into a second share.
    const data = repeat(1, 479);
    const shares = splitBlobIntoShares(ns1, data);
    assert.equal(shares.length, 2);
    // GS share/info_byte_test.go:75-103 TestParseInfoByte: 0b1 = v0 sequence start, 0b0 = v0 continuation.
    assert.deepEqual(shares[0], cat(NS1_BYTES, Uint8Array.of(0b1), hex("000001df"), repeat(1, 478)));
    assert.deepEqual(shares[1], cat(NS1_BYTES, Uint8Array.of(0b0), Uint8Array.of(1), repeat(0, 481)));

    const exact = splitBlobIntoShares(ns1, repeat(7, 478));
    assert.equal(exact.length, 1);
    assert.deepEqual(exact[0], cat(NS1_BYTES, Uint8Array.of(1), hex("000001de"), repeat(7, 478)));

    // "exact fit continues sparse share": 482 bytes per continuation share.
    const two = splitBlobIntoShares(ns1, repeat(9, 478 + 482));
    assert.equal(two.length, 2);
    assert.deepEqual(two[1], cat(NS1_BYTES, Uint8Array.of(0), repeat(9, 482)));
    assert.equal(splitBlobIntoShares(ns1, repeat(9, 478 + 482 + 1)).length, 3);

    // A short blob is zero padded to a full share.
    const short = splitBlobIntoShares(ns1, Uint8Array.of(0xaa, 0xbb));
    assert.deepEqual(short, [cat(NS1_BYTES, Uint8Array.of(1), hex("00000002aabb"), repeat(0, 476))]);
  });

  it("counts shares as SparseSharesNeeded does", () => {
    // GS share/share_sequence_test.go:105-133 TestSparseSharesNeeded (ContinuationCompactShareContentSize = 478).
    const cases: [number, boolean, number][] = [
      [0, false, 0],
      [1, false, 1],
      [2, false, 1],
      [478, false, 1],
      [479, false, 2],
      [478 + 482, false, 2],
      [478 + 478 * 2, false, 3],
      [478 + 478 * 99, false, 100],
      [1000, false, 3],
      [10000, false, 21],
      [100000, false, 208],
      [0xffffffff - 512, false, 8910720],
      [0xffffffff, false, 8910721],
      [458, true, 1],
      [459, true, 2],
    ];
    for (const [length, signer, want] of cases) {
      assert.equal(sparseSharesNeeded(length, signer), want, `${length} bytes, signer ${signer}`);
    }
    for (const length of [1, 477, 478, 479, 960, 961, 5000]) {
      assert.equal(
        splitBlobIntoShares(ns1, repeat(3, length)).length,
        sparseSharesNeeded(length),
        `${length}`,
      );
    }
  });

  it("reproduces real share version 1 shares from Mocha", () => {
    // GS share/testdata/mocha-shares.json (used by share/mocha_shares_test.go:12-38): one v1 blob in
    // namespace 0x…72656e6572656e65 over 3423 shares, sequence length 1649397. Shares 0, 1 and 3422:
    const share0 = b64(
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAcmVuZXJlbmUDABkq9VXeKa9FvYXIjbr1DMZmmaHtOOFJ5tXuhrZFnydAPa5JwG+/t8Jn" +
        "zmajcUfP2BB2DTIj5F+PM5c8fAkL9DM9QS65TcmiTZRI/2d75rv5Eh4gjdVPCjPlEsG/vWPQf7vC3mO7o7I+MTl9Barfawd+" +
        "+c19aIp7sBNvn4UcwnmhvNX+bdQLh0uqRvPyrDlMyLB55t4p+c7M/FhL6ttnf1PDaqsWQoP/E6N53bHoV0qlql23czRn8csF" +
        "uyBD3p/peToL5EPP81tDz+hZjhOdoH/R27depNG1Alqh81HUgxgAeAm/VCBAvqNsKsKEUGfFDk+1JkX9iqMMzLrSlT97tWCm" +
        "tpqCutm6RE1z9fQKLH7J8XS22z6s2tGXWEYpYF8sN5nnMlGSaXtZGD+OXgNblXqkYtQ2ywLyI+cy6UbHZrLdmt9hohbrU6X+" +
        "smX2jDp9NhUgngSQuvlGY0BysMjR3t6WOdpRcFiE5ibg/AfXXqXLJPH16//ZP/O0Q7LlLBLQBXTXWLhuhasKDkELpskv/UoS" +
        "t2orNkRhGWrZYSjQuPHL1jGdVhzkofbvniF8eP36TFGxDwWUshsm3eTAfeJzUrZlrgocg3WfEE3XwJhDfujf+8AED7CXyumn" +
        "rH16UDMBmaA=",
    );
    const share1 = b64(
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAcmVuZXJlbmUCdHUXJKTdzhdy70k3ncWDCUj2yfpVFDqXMt7HbJUcgUJLt8qgRoEFTsBM" +
        "Qc8ZIjzRzdoZBFctIOkRmbwlY18bOJZNLIPibFADm47LxV8p+on28hI7Fw0ylb50ZB/5Wok/RRvq7EOavyJzxATlCZ3t1KQv" +
        "kslxElGVXZUO8GKTaB5mF3D70dU7LkaGBR0RWfS0PS9cmuU/WtSslkGn/57iem6yZKq3nKfCGucjLPzq4HuCCnudzhXfoUu9" +
        "FLG+YzqLQHG39NmS9mFpQdwPi7EE6ve/cqYnGIYJsV3e4El8tg8wFMqoRvFNX1rpal1Ne9GwMyxypv4msoDtXdxbvR+ltfkt" +
        "2Bs44nUwm58qs5z7sRKHUp8R83DaJmJcyrC38YnutV85TfppuLN15McetjvG3vm+6zKSEYbAbwQr4bmTXEi1EKoMYJr8CEOf" +
        "rFrG4zD37/Tx/Tjlx/H27WNP3V+hBElKE1L6unlcV0LEzOQIqj5lihl0kFBmefUJBICaaUSkbybpa4S2X8WLUZ87biuF3dRB" +
        "Vh3Vom2UdW/mZEpJ8tvnjsLGFj9XmWMKmp08ekNFTqV+Zp3ag9mrYa+J39qEwNwkIGfwdBSRB0FKTi70eVoqRAFx7h/1NtMZ" +
        "Cq3takc9xEk=",
    );
    // The last share holds 17 data bytes; the rest of it is zeros in the file.
    const share3422 = cat(
      hex("00000000000000000000000000000000000000000072656e6572656e6502f77da7bba39de77490e805ec8fdf5c2c7d"),
      repeat(0, 512 - 47),
    );
    const namespace = share0.subarray(0, 29);
    // Info bytes 0b11 (v1, start) and 0b10 (v1, continuation); 4-byte length, then the 20-byte signer.
    assert.equal(share0[29], 0b11);
    assert.equal(share1[29], 0b10);
    assert.equal(Buffer.from(share0).readUInt32BE(30), 1649397);
    const signer = share0.subarray(34, 54);
    // Rebuild a blob with the same length whose known bytes come from these shares.
    const data = new Uint8Array(1649397);
    data.set(share0.subarray(54), 0);
    data.set(share1.subarray(30), 458);
    const lastStart = 458 + 3421 * 482;
    data.set(share3422.subarray(30, 30 + (1649397 - lastStart)), lastStart);

    const shares = splitBlobIntoShares(namespace, data, 1, signer);
    assert.equal(shares.length, 3423);
    assert.equal(toHex(shares[0]!), toHex(share0));
    assert.equal(toHex(shares[1]!), toHex(share1));
    assert.equal(toHex(shares[3422]!), toHex(share3422));
    assert.equal(sparseSharesNeeded(1649397, true), 3423);
  });

  const mochaFile =
    "/root/go/pkg/mod/github.com/celestiaorg/go-square/v3@v3.0.2/share/testdata/mocha-shares.json";
  it("reproduces every Mocha share when go-square's test data is at hand", {
    skip: !existsSync(mochaFile) && "go-square v3.0.2 is not in the Go module cache",
  }, () => {
    const expected = (JSON.parse(readFileSync(mochaFile, "utf8")) as string[]).map(b64);
    const first = expected[0]!;
    const length = Buffer.from(first).readUInt32BE(30);
    const data = new Uint8Array(length);
    let at = 0;
    for (const [i, share] of expected.entries()) {
      const body = share.subarray(i === 0 ? 54 : 30);
      const take = Math.min(body.length, length - at);
      data.set(body.subarray(0, take), at);
      at += take;
    }
    const shares = splitBlobIntoShares(first.subarray(0, 29), data, 1, first.subarray(34, 54));
    assert.equal(shares.length, expected.length);
    for (const [i, share] of shares.entries()) assert.equal(toHex(share), toHex(expected[i]!), `share ${i}`);
  });

  it("refuses blobs go-square refuses", () => {
    // GS share/blob.go:25-55 NewBlob: non-empty data, no signer on v0, a 20-byte signer on v1, versions 0 and 1 only.
    assert.throws(() => splitBlobIntoShares(ns1, new Uint8Array()), BlobError);
    assert.throws(() => splitBlobIntoShares(ns1, repeat(1, 10), 0, repeat(1, 20)), BlobError);
    assert.throws(() => splitBlobIntoShares(ns1, repeat(1, 10), 1), BlobError);
    assert.throws(() => splitBlobIntoShares(ns1, repeat(1, 10), 1, repeat(1, 19)), BlobError);
    assert.throws(() => splitBlobIntoShares(ns1, repeat(1, 10), 2), BlobError);
    assert.throws(() => splitBlobIntoShares(TX_NAMESPACE, repeat(1, 10)), NamespaceError);
    assert.throws(() => blobCommitment(PARITY_SHARES_NAMESPACE, repeat(1, 10)), NamespaceError);
  });
});

describe("celestia subtree widths and mountain ranges", () => {
  it("computes subtree widths like go-square", () => {
    // GS inclusion/blob_share_commitment_rules_test.go:381-442 TestSubTreeWidth (threshold 64, max square 128).
    const cases: [number, number][] = [
      [0, 1],
      [1, 1],
      [2, 1],
      [64, 1],
      [65, 2],
      [63, 1],
      [128, 2],
      [129, 4],
      [191, 4],
      [256, 4],
      [320, 8],
      [64 * 128 - 1, 128],
    ];
    for (const [count, want] of cases) assert.equal(subtreeWidth(count, 64), want, `${count} shares`);
    assert.throws(() => subtreeWidth(10, 0), RangeError);
  });

  it("rounds powers of two and sizes minimum squares like go-square", () => {
    // GS inclusion/blob_share_commitment_rules_test.go:312-332 TestRoundUpPowerOfTwo.
    const up: [number, number][] = [
      [-1, 1],
      [0, 1],
      [1, 1],
      [2, 2],
      [4, 4],
      [5, 8],
      [8, 8],
      [11, 16],
      [511, 512],
    ];
    for (const [input, want] of up) assert.equal(roundUpPowerOfTwo(input), want, `up ${input}`);
    // :444-463 TestRoundDownPowerOfTwo.
    const down: [number, number][] = [
      [1, 1],
      [2, 2],
      [4, 4],
      [5, 4],
      [8, 8],
      [11, 8],
      [511, 256],
    ];
    for (const [input, want] of down) assert.equal(roundDownPowerOfTwo(input), want, `down ${input}`);
    assert.throws(() => roundDownPowerOfTwo(0), RangeError);
    // :334-379 TestBlobMinSquareSize.
    const squares: [number, number][] = [
      [0, 1],
      [1, 1],
      [2, 2],
      [3, 2],
      [4, 2],
      [5, 4],
      [16, 4],
      [17, 8],
    ];
    for (const [count, want] of squares) assert.equal(blobMinSquareSize(count), want, `square ${count}`);
  });

  it("splits mountain ranges like go-square", () => {
    // GS inclusion/commitment_test.go:19-63 TestMerkleMountainRangeSizes.
    assert.deepEqual(merkleMountainRangeSizes(11, 4), [4, 4, 2, 1]);
    assert.deepEqual(merkleMountainRangeSizes(2, 64), [2]);
    assert.deepEqual(merkleMountainRangeSizes(64, 8), [8, 8, 8, 8, 8, 8, 8, 8]);
    assert.deepEqual(merkleMountainRangeSizes(19, 8), [8, 8, 2, 1]);
    assert.deepEqual(merkleMountainRangeSizes(0, 8), []);
    assert.throws(() => merkleMountainRangeSizes(5, 0), RangeError);
  });
});

describe("namespaced merkle tree", () => {
  it("has nmt's hard-coded empty root", () => {
    // NMT hasher_test.go:902-928 TestEmptyRoot (want at line 909; 1-byte namespaces, IgnoreMaxNamespace).
    assert.equal(
      toHex(nmtRoot([], { namespaceSize: 1 })),
      "0000e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("hashes leaves and nodes as nmt's root tests spell out", () => {
    // NMT nmt_test.go:127-168 TestNamespacedMerkleTreeRoot (3-byte namespaces).
    const zeroNs = Uint8Array.of(0, 0, 0);
    const onesNs = Uint8Array.of(1, 1, 1);
    const leafData = new TextEncoder().encode("leaf1");
    const zeroFlagged = cat(zeroNs, zeroNs, sha(Uint8Array.of(0), zeroNs, leafData));
    const oneFlagged = cat(onesNs, onesNs, sha(Uint8Array.of(0), onesNs, leafData));
    const options = { namespaceSize: 3 };
    assert.deepEqual(nmtRoot([cat(zeroNs, leafData)], options), zeroFlagged);
    assert.deepEqual(
      nmtRoot([cat(zeroNs, leafData), cat(zeroNs, leafData)], options),
      cat(zeroNs, zeroNs, sha(Uint8Array.of(1), zeroFlagged, zeroFlagged)),
    );
    assert.deepEqual(
      nmtRoot([cat(zeroNs, leafData), cat(onesNs, leafData)], options),
      cat(zeroNs, onesNs, sha(Uint8Array.of(1), zeroFlagged, oneFlagged)),
    );
    // nmt refuses leaves pushed out of namespace order.
    assert.throws(() => nmtRoot([cat(onesNs, leafData), cat(zeroNs, leafData)], options), RangeError);
  });

  it("leaves the maximum namespace out of a node's range only when told to", () => {
    // NMT hasher_test.go:794-899 TestComputeNsRange: left [0x00,0x00], right [0xFF,0xFF] gives max 0x00
    // when the max namespace is ignored, 0xFF otherwise; all-0xFF children keep 0xFF.
    const low = Uint8Array.of(0x00, 0xaa);
    const high = Uint8Array.of(0xff, 0xbb);
    const lowLeaf = cat(Uint8Array.of(0), Uint8Array.of(0), sha(Uint8Array.of(0), low));
    const highLeaf = cat(Uint8Array.of(0xff), Uint8Array.of(0xff), sha(Uint8Array.of(0), high));
    const hash = sha(Uint8Array.of(1), lowLeaf, highLeaf);
    assert.deepEqual(nmtRoot([low, high], { namespaceSize: 1 }), cat(Uint8Array.of(0x00, 0x00), hash));
    assert.deepEqual(
      nmtRoot([low, high], { namespaceSize: 1, ignoreMaxNamespace: false }),
      cat(Uint8Array.of(0x00, 0xff), hash),
    );
    assert.deepEqual(nmtRoot([high, high], { namespaceSize: 1 }).subarray(0, 2), Uint8Array.of(0xff, 0xff));
  });
});

describe("celestia blob share commitments", () => {
  // GS inclusion/commitment_test.go:112-120: the test's stand-in for merkle.HashFromByteSlices.
  function twoLeafMerkleRoot(roots: Uint8Array[]): Uint8Array {
    assert.equal(roots.length, 2);
    return sha(sha(roots[0]!), sha(roots[1]!));
  }

  it("matches go-square's share version 0 commitment vector", () => {
    // GS inclusion/commitment_test.go:79-86 "blob of 2 shares succeeds": 0xFF × AvailableBytesFromSparseShares(2).
    const roots = blobSubtreeRoots(NS1_BYTES, repeat(0xff, 478 + 482), { threshold: 64 });
    assert.equal(
      toHex(twoLeafMerkleRoot(roots)),
      "31f5156d5db9a7f5b43b297a14c070c2cc4ef3d69d87ed08addd216d9b9fa118",
    );
  });

  it("matches go-square's share version 1 commitment vector", () => {
    // GS inclusion/commitment_test.go:87-94 "blob of one share with signer succeeds": 0xFF × (960 - 20), signer 0x01 × 20.
    const roots = blobSubtreeRoots(NS1_BYTES, repeat(0xff, 478 + 482 - 20), {
      shareVersion: 1,
      signer: repeat(1, 20),
    });
    assert.equal(
      toHex(twoLeafMerkleRoot(roots)),
      "883c74064e8e2627ad5808389f1f1924194c1ae23c7df962c8d56df062a92b2b",
    );
  });

  it("matches celestia-node's example blob commitment (CometBFT merkle root)", () => {
    // CN api/docgen/exampledata/blob.json (celestia-node's documented blob.Submit example).
    const namespace = b64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE=");
    const data = b64(
      "z8QyNztvogN7NYU27gI+nJgg1vMJtkK3vbduSDz7/8mhmos37I7duH51kkgouxrsdhdOBJ1431OmipNfVedbtwe6zQ06EbJB" +
        "l/jk4QwwU3S29YBTUZcUfTzXpEJIuMrYzU6YPxN8Zce/KNdsEIy4zxdfxekXpvsgZMBhf83iYgfHvsFAoJmmCp/ORAUoAFf7" +
        "tJ7cF8RZyA20ftqRa1uhAmktxIb58abpGTG+TNgq3mjyvswECVykJYqGjqNtInyIx2EQOnVp2q69YHkegdoBvoOKzEFigQTd" +
        "rL2TZBex4MhkrYt7Zf0DQyNMRkCPL/zKYE3bhvXNWMThWCmhD5TOApzirORXKOTB0nxhjDF/aFYkrS+IKBw1KfJ5isldWvma" +
        "sJBWwRgDuli6Cty67vMMk7fUUTUf0St6rvQeftSoEVlC1xEw46+h5kIXaWiM0g/EzGIAdZHycUFWCSdnt3p7BS5ttEpSf1d6" +
        "ZbVYYL2y0XguH41k54JqufEMAw9ukmaF0IbN9Jk6fNefV1dsWTdCP6Mz6e+RTCd9DQGqb2VrsvMzx5uVidLD8ND79pvXgL1V" +
        "zyhJaMTcjSfZK15jOxLwGh1arZc2gyTNiq2pu6wNz0tdJp+fFU+peG8rHN8=",
    );
    const commitment = blobCommitment(namespace, data);
    assert.equal(commitment.length, 32);
    assert.equal(Buffer.from(commitment).toString("base64"), "aHlbp+J9yub6hw/uhK6dP8hBLR2mFy78XNRRdLf2794=");
  });

  it("builds one subtree root per mountain of the blob's shares", () => {
    // 2 shares under threshold 64 give width 1, hence two single-leaf subtrees (see the vectors above);
    // threshold 1 makes the width the blob's min square (2), hence one subtree.
    const data = repeat(0xff, 478 + 482);
    assert.equal(blobSubtreeRoots(NS1_BYTES, data).length, 2);
    assert.equal(blobSubtreeRoots(NS1_BYTES, data, { threshold: 1 }).length, 1);
    // Each subtree root is an nmt node: the blob's namespace as min and max, then a 32-byte hash.
    for (const root of blobSubtreeRoots(NS1_BYTES, data)) {
      assert.equal(root.length, 29 * 2 + 32);
      assert.deepEqual(root.subarray(0, 29), NS1_BYTES);
      assert.deepEqual(root.subarray(29, 58), NS1_BYTES);
    }
  });
});
