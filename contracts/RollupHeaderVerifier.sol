// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RollupHeaderVerifier
/// @notice Checks, on an EVM chain, a rollup header signed by its Metro committee exactly as Metro's own
/// chain does (chain/modules/rollups.ts `verifySignedHeader`): the signer bitmap names committee members
/// only, the signers hold at least the quorum of the committee's stake, and the aggregate BLS12-381
/// signature (IETF ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_, keys in G1, signatures in
/// G2) verifies over the header hash for the signers' summed keys.
///
/// Needs the EIP-2537 BLS12-381 precompiles (Prague) and MODEXP (0x05) and SHA-256 (0x02). Everything
/// is called by address, so the contract compiles for any evmVersion from cancun on (it uses MCOPY).
///
/// The committee is a snapshot taken at construction: each member's G1 public key in EIP-2537 encoding
/// (128 bytes: x then y, each a 64-byte big-endian field element with 16 zero bytes in front; see
/// `g1ToEip2537` in contracts/index.ts) and its stake, in the chain's committee order, which is what the
/// bitmap's indexes refer to (bit i = member i, bit i%8 of byte i/8, least significant bit first). A
/// member with stake zero stands for a jailed or removed validator: it keeps its index, counts towards
/// no stake, and a bitmap that names it is refused, as the chain refuses it. Its key is not checked
/// (any 128 bytes; zeros will do). Every other key must be a valid G1 point in the prime-order subgroup and not
/// the identity (the chain's KeyValidate); the constructor checks this with G1MSM. The proofs of
/// possession that make same-message aggregation safe were checked by Metro when the keys were
/// registered; this contract trusts its deployer to copy keys from there.
///
/// `verify` takes the 32-byte header hash (sha256("metro/rollup-header/v1" ‖ canonical protobuf of the
/// header), the message every member signs). It does not see the header, so a caller that has only the
/// hash must itself tie it to the header fields it relies on, this rollup's id included. `verifyHeader`
/// recomputes the hash on chain from the fields (`rollupHeaderHash`) and checks the rollup id too.
///
/// Signatures and bitmaps that fail any check give `false`, never a revert. A signature that is not a
/// valid G2 point (off the curve, outside the subgroup, or with non-zero padding) makes the pairing
/// precompile fail, which consumes the gas passed to it (all but 1/64 of what is left); `verify` then
/// returns false with the rest.
///
/// Storage: the members' records (x ‖ y ‖ stake as uint128: 112 bytes) live in the code of data
/// contracts of up to 128 members each (SSTORE2 style), so reading a signer's key costs a couple of
/// EXTCODECOPYs instead of four cold SLOADs.
///
/// Gas (Prague, measured on ethereumjs): a `verify` transaction costs about 202,000 gas with 4 signers
/// and 339,000 with 100 (about 1,400 per signer on top of the pairing, two MAP_FP2_TO_G2 and the
/// hashing); `verifyHeader` adds about 11,500. Deploying costs about 1.5 M gas for 4 members and 5.2 M
/// for 100 (a G1MSM key check and 112 bytes of code per member).
contract RollupHeaderVerifier {
    /// The header as the committee signs it (proto/metro/rollup/v1/rollup.proto, metro.rollup.v1.RollupHeader).
    struct RollupHeader {
        bytes rollupId;
        uint64 rollupHeight;
        bytes parentHash;
        int64 metroHeight;
        uint64 daHeight;
        bytes dataRoot;
        bytes stateRoot;
        bytes blockHash;
    }

    /// Metro's limit on a committee's size (MAX_COMMITTEE in chain/modules/rollups.ts).
    uint256 public constant MAX_COMMITTEE = 1000;
    /// The signing ciphersuite's domain separation tag.
    string public constant DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /// DST ‖ I2OSP(len(DST), 1): 43 = 0x2b.
    bytes private constant DST_PRIME = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_\x2b";
    /// Domain of the header hash (core/rollup-header.ts).
    bytes private constant HEADER_DOMAIN = "metro/rollup-header/v1";

    uint256 private constant CHUNK_MEMBERS = 128;
    uint256 private constant RECORD_BYTES = 112;
    uint256 private constant G1_POINT_BYTES = 128;
    uint256 private constant G2_POINT_BYTES = 256;

    // The base field modulus p, as its first 32 bytes and its last 16.
    uint256 private constant P_HIGH = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f624;
    uint256 private constant P_LOW = 0x1eabfffeb153ffffb9feffffffffaaab;

    // −G1 (the negated generator) in EIP-2537 encoding, as four 32-byte words.
    uint256 private constant NEG_G1_0 = 0x17f1d3a73197d7942695638c4fa9ac0f;
    uint256 private constant NEG_G1_1 = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    uint256 private constant NEG_G1_2 = 0x114d1d6855d545a8aa7d76c8cf2e21f2;
    uint256 private constant NEG_G1_3 = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    /// The rollup whose headers `verifyHeader` accepts (sha256 of its name on Metro).
    bytes32 public immutable rollupId;
    /// Members in the committee, signing or not: the bitmap has ceil(committeeSize / 8) bytes.
    uint256 public immutable committeeSize;
    /// The stake of the active (non-zero-stake) members.
    uint256 public immutable totalStake;
    uint256 public immutable quorumNumerator;
    uint256 public immutable quorumDenominator;

    /// Data contracts holding the members' records, CHUNK_MEMBERS per contract.
    address[] private _chunks;

    error InvalidCommittee(string reason);
    error InvalidQuorum(uint256 numerator, uint256 denominator);
    error InvalidPublicKey(uint256 index);
    error InvalidStake(uint256 index);

    /// @param rollupId_ the rollup's id on Metro (32 bytes).
    /// @param publicKeys each member's G1 public key, EIP-2537 encoding (128 bytes), in committee order.
    /// @param stakes each member's stake (at most 2^128 − 1); zero marks a member that may not sign.
    /// @param quorumNumerator_ with quorumDenominator_, the rollup's quorum: more than 1/2, at most 1 (as
    ///        Metro requires when a rollup registers); "0.67" is 67/100.
    constructor(
        bytes32 rollupId_,
        bytes[] memory publicKeys,
        uint256[] memory stakes,
        uint256 quorumNumerator_,
        uint256 quorumDenominator_
    ) {
        uint256 size = publicKeys.length;
        if (size == 0 || size > MAX_COMMITTEE) revert InvalidCommittee("committee must have 1 to 1000 members");
        if (stakes.length != size) revert InvalidCommittee("one stake per public key");
        if (
            quorumDenominator_ == 0 || quorumNumerator_ > quorumDenominator_
                || quorumNumerator_ * 2 <= quorumDenominator_
        ) revert InvalidQuorum(quorumNumerator_, quorumDenominator_);

        uint256 total;
        for (uint256 i = 0; i < size; ++i) {
            if (stakes[i] > type(uint128).max) revert InvalidStake(i);
            if (publicKeys[i].length != G1_POINT_BYTES) revert InvalidPublicKey(i);
            if (stakes[i] != 0) {
                if (!_validPublicKey(publicKeys[i])) revert InvalidPublicKey(i);
                total += stakes[i];
            }
        }
        if (total == 0) revert InvalidCommittee("no member has stake");
        // So that verify's products (signed stake <= total, numerator <= denominator) cannot overflow.
        if (total > type(uint256).max / quorumDenominator_) revert InvalidCommittee("total stake too large");

        for (uint256 start = 0; start < size; start += CHUNK_MEMBERS) {
            uint256 end = start + CHUNK_MEMBERS < size ? start + CHUNK_MEMBERS : size;
            bytes memory records = new bytes((end - start) * RECORD_BYTES);
            for (uint256 i = start; i < end; ++i) {
                bytes memory key = publicKeys[i];
                uint256 stake = stakes[i];
                assembly ("memory-safe") {
                    let record := add(add(records, 32), mul(sub(i, start), RECORD_BYTES))
                    // The stake first (its word's upper half lands on y's place, overwritten next).
                    mstore(add(record, 80), stake)
                    mcopy(record, add(key, 48), 48) // x without its 16 bytes of padding
                    mcopy(add(record, 48), add(key, 112), 48) // y likewise
                }
            }
            _chunks.push(_storeData(records));
        }

        rollupId = rollupId_;
        committeeSize = size;
        totalStake = total;
        quorumNumerator = quorumNumerator_;
        quorumDenominator = quorumDenominator_;
    }

    /// True when `aggregateSignature` (G2, EIP-2537 encoding: 256 bytes) is the committee's aggregate
    /// signature over `headerHash` by the members `signerBitmap` names, and they hold the quorum:
    /// signed stake × denominator ≥ numerator × total stake, with at least one signer. The bitmap must
    /// be exactly ceil(committeeSize / 8) bytes with no bit set past the last member.
    function verify(bytes32 headerHash, bytes calldata aggregateSignature, bytes calldata signerBitmap)
        public
        view
        returns (bool)
    {
        uint256 size = committeeSize;
        if (aggregateSignature.length != G2_POINT_BYTES) return false;
        if (signerBitmap.length != (size + 7) / 8) return false;
        // A spare top bit in the last byte would name a member past the end.
        if (size % 8 != 0 && uint8(signerBitmap[signerBitmap.length - 1]) >> (size % 8) != 0) return false;

        // Working memory, 896 bytes: [0, 128) the key aggregate; [128, 256) the next key to add, later
        // [128, 384) H(m); [384, 512) −G1; [512, 768) the signature; [640, 896) hash-to-field scratch
        // (done with before the signature is copied in).
        uint256 buf;
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, 896))
            // The padding of the key slot's two coordinates; key copies never write there.
            mstore(add(buf, 128), 0)
            mstore(add(buf, 192), 0)
        }

        (uint256 signers, uint256 signedStake) = _aggregateSigners(signerBitmap, buf);
        if (signers == 0) return false;
        unchecked {
            if (signedStake * quorumDenominator < quorumNumerator * totalStake) return false;
        }

        bool valid;
        assembly ("memory-safe") {
            // The identity as aggregate key would accept the identity as signature.
            valid := or(or(mload(buf), mload(add(buf, 32))), or(mload(add(buf, 64)), mload(add(buf, 96))))
        }
        if (!valid || !_hashToG2(headerHash, buf + 128)) return false;
        assembly ("memory-safe") {
            mstore(add(buf, 384), NEG_G1_0)
            mstore(add(buf, 416), NEG_G1_1)
            mstore(add(buf, 448), NEG_G1_2)
            mstore(add(buf, 480), NEG_G1_3)
            calldatacopy(add(buf, 512), aggregateSignature.offset, 256)
            // e(aggregate key, H(m)) · e(−G1, signature) == 1
            // (Yul evaluates arguments right to left, so the result is read in its own statement.)
            valid := staticcall(gas(), 0x0f, buf, 768, buf, 32)
            valid := and(valid, eq(mload(buf), 1))
        }
        return valid;
    }

    /// Sums the stake of the members the bitmap names and adds their keys into memory [buf, buf + 128),
    /// using [buf + 128, buf + 272) for each key. Returns zero signers if one may not sign or a precompile
    /// call fails.
    function _aggregateSigners(bytes calldata signerBitmap, uint256 buf)
        private
        view
        returns (uint256 signers, uint256 signedStake)
    {
        uint256 loadedChunk = type(uint256).max;
        address chunk;
        for (uint256 byteIndex = 0; byteIndex < signerBitmap.length; ++byteIndex) {
            uint256 bits = uint8(signerBitmap[byteIndex]);
            for (uint256 index = byteIndex * 8; bits != 0; ++index) {
                if (bits & 1 != 0) {
                    if (index / CHUNK_MEMBERS != loadedChunk) {
                        loadedChunk = index / CHUNK_MEMBERS;
                        chunk = _chunks[loadedChunk];
                    }
                    uint256 stake = _addKey(chunk, 1 + (index % CHUNK_MEMBERS) * RECORD_BYTES, buf, signers == 0);
                    if (stake == 0) return (0, 0);
                    unchecked {
                        signedStake += stake;
                        ++signers;
                    }
                }
                bits >>= 1;
            }
        }
    }

    /// Copies the key of the record at `offset` in `chunk` to [buf + 128, buf + 256) and adds it into
    /// [buf, buf + 128) (copies it there when `first`). Returns the member's stake, or zero when the
    /// addition failed. [buf + 128, buf + 144) and [buf + 192, buf + 208) must be zero.
    function _addKey(address chunk, uint256 offset, uint256 buf, bool first) private view returns (uint256 stake) {
        bool ok = true;
        assembly ("memory-safe") {
            let slot := add(buf, 128)
            extcodecopy(chunk, add(slot, 16), offset, 48)
            // y, then the stake into [buf + 256, buf + 272): scratch until H(m) is written there.
            extcodecopy(chunk, add(slot, 80), add(offset, 48), 64)
            stake := shr(128, mload(add(slot, 128)))
            switch first
            case 0 { ok := staticcall(gas(), 0x0b, buf, 256, buf, 128) }
            default { mcopy(buf, slot, 128) }
        }
        if (!ok) stake = 0;
    }

    /// `verify` for a header given by its fields: recomputes its hash as Metro does and also requires
    /// the header to be this rollup's.
    function verifyHeader(
        RollupHeader calldata header,
        bytes calldata aggregateSignature,
        bytes calldata signerBitmap
    ) external view returns (bool) {
        if (header.rollupId.length != 32 || bytes32(header.rollupId) != rollupId) return false;
        return verify(rollupHeaderHash(header), aggregateSignature, signerBitmap);
    }

    /// sha256("metro/rollup-header/v1" ‖ canonical protobuf of the header): `rollupHeaderHash` in
    /// core/rollup-header.ts. Proto3 canonical form: fields in order, zero and empty ones left out.
    function rollupHeaderHash(RollupHeader calldata header) public pure returns (bytes32) {
        bytes memory head = abi.encodePacked(
            HEADER_DOMAIN,
            _bytesField(1, header.rollupId),
            _uintField(2, header.rollupHeight),
            _bytesField(3, header.parentHash)
        );
        bytes memory tail = abi.encodePacked(
            // int64 on the wire: a negative value is its 64-bit two's complement (10 bytes).
            _uintField(4, uint64(header.metroHeight)),
            _uintField(5, header.daHeight),
            _bytesField(6, header.dataRoot),
            _bytesField(7, header.stateRoot),
            _bytesField(8, header.blockHash)
        );
        return sha256(abi.encodePacked(head, tail));
    }

    /// The message's point on G2 (RFC 9380 hash_to_curve with this contract's DST), EIP-2537 encoding.
    function hashToG2(bytes32 message) external view returns (bytes memory point) {
        uint256 out;
        assembly ("memory-safe") {
            out := mload(0x40)
            mstore(0x40, add(out, 768))
        }
        require(_hashToG2(message, out), "hash to G2 failed");
        point = new bytes(G2_POINT_BYTES);
        assembly ("memory-safe") {
            mcopy(add(point, 32), out, 256)
        }
    }

    /// Member `index`'s public key (EIP-2537 encoding) and stake.
    function member(uint256 index) external view returns (bytes memory publicKey, uint256 stake) {
        require(index < committeeSize, "no such member");
        address chunk = _chunks[index / CHUNK_MEMBERS];
        uint256 offset = 1 + (index % CHUNK_MEMBERS) * RECORD_BYTES;
        publicKey = new bytes(G1_POINT_BYTES);
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            extcodecopy(chunk, scratch, offset, 112)
            let key := add(publicKey, 32)
            mstore(key, 0)
            mcopy(add(key, 16), scratch, 48)
            mstore(add(key, 64), 0)
            mcopy(add(key, 80), add(scratch, 48), 48)
            stake := shr(128, mload(add(scratch, 96)))
        }
    }

    /// KeyValidate for an EIP-2537 G1 point: G1MSM with scalar 1 checks the encoding, the curve and the
    /// subgroup (it fails otherwise); the result must not be the identity.
    function _validPublicKey(bytes memory key) private view returns (bool ok) {
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, add(key, 32), 128)
            mstore(add(input, 128), 1)
            ok := staticcall(gas(), 0x0c, input, 160, input, 128)
            let nonzero := or(or(mload(input), mload(add(input, 32))), or(mload(add(input, 64)), mload(add(input, 96))))
            ok := and(ok, iszero(iszero(nonzero)))
        }
    }

    /// Deploys a contract whose code is a STOP byte followed by `data`, and returns its address.
    function _storeData(bytes memory data) private returns (address pointer) {
        // PUSH2 size, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY, RETURNDATASIZE, RETURN; then the code.
        bytes memory init = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600a3d393df3", hex"00", data);
        assembly ("memory-safe") {
            pointer := create(0, add(init, 32), mload(init))
        }
        if (pointer == address(0)) revert InvalidCommittee("could not store the committee");
    }

    /// hash_to_curve(message) on G2 into memory [out, out + 256), using [out + 512, out + 768) as scratch:
    /// expand_message_xmd (SHA-256) to 256 bytes, hash_to_field into two Fp2 elements (each 64-byte
    /// chunk reduced mod p with MODEXP), MAP_FP2_TO_G2 on each (the precompile clears the cofactor,
    /// which commutes with the addition) and G2ADD.
    function _hashToG2(bytes32 message, uint256 out) private view returns (bool ok) {
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), message, uint16(256), uint8(0), DST_PRIME));
        bytes32 b1 = sha256(abi.encodePacked(b0, uint8(1), DST_PRIME));
        bytes32 b2 = sha256(abi.encodePacked(b0 ^ b1, uint8(2), DST_PRIME));
        uint256 scratch = out + 512;
        ok = _reduce(b1, b2, scratch); // u0.c0
        b1 = sha256(abi.encodePacked(b0 ^ b2, uint8(3), DST_PRIME));
        b2 = sha256(abi.encodePacked(b0 ^ b1, uint8(4), DST_PRIME));
        ok = ok && _reduce(b1, b2, scratch + 64); // u0.c1
        b1 = sha256(abi.encodePacked(b0 ^ b2, uint8(5), DST_PRIME));
        b2 = sha256(abi.encodePacked(b0 ^ b1, uint8(6), DST_PRIME));
        ok = ok && _reduce(b1, b2, scratch + 128); // u1.c0
        b1 = sha256(abi.encodePacked(b0 ^ b2, uint8(7), DST_PRIME));
        b2 = sha256(abi.encodePacked(b0 ^ b1, uint8(8), DST_PRIME));
        ok = ok && _reduce(b1, b2, scratch + 192); // u1.c1
        if (!ok) return false;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x11, scratch, 128, out, 256)
            ok := and(ok, staticcall(gas(), 0x11, add(scratch, 128), 128, add(out, 256), 256))
            ok := and(ok, staticcall(gas(), 0x0d, out, 512, out, 256))
        }
    }

    /// Writes (hi ‖ lo) mod p at `dst` as a 64-byte EIP-2537 field element, with MODEXP (exponent 1).
    function _reduce(bytes32 hi, bytes32 lo, uint256 dst) private view returns (bool ok) {
        assembly ("memory-safe") {
            let input := mload(0x40)
            mstore(input, 64) // base length
            mstore(add(input, 32), 1) // exponent length
            mstore(add(input, 64), 48) // modulus length
            mstore(add(input, 96), hi)
            mstore(add(input, 128), lo)
            mstore8(add(input, 160), 1)
            mstore(add(input, 161), P_HIGH)
            mstore(add(input, 193), shl(128, P_LOW))
            mstore(dst, 0)
            ok := staticcall(gas(), 0x05, input, 209, add(dst, 16), 48)
        }
    }

    function _bytesField(uint256 field, bytes calldata value) private pure returns (bytes memory) {
        if (value.length == 0) return "";
        return abi.encodePacked(uint8(field << 3 | 2), _varint(value.length), value);
    }

    function _uintField(uint256 field, uint64 value) private pure returns (bytes memory) {
        if (value == 0) return "";
        return abi.encodePacked(uint8(field << 3), _varint(value));
    }

    function _varint(uint256 value) private pure returns (bytes memory out) {
        out = new bytes(10);
        uint256 length;
        while (value >= 0x80) {
            out[length++] = bytes1(uint8(value & 0x7f) | 0x80);
            value >>= 7;
        }
        out[length++] = bytes1(uint8(value));
        assembly ("memory-safe") {
            mstore(out, length)
        }
    }
}
