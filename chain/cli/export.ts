import { writeFileSync } from "node:fs";
import { parse, required, UsageError } from "../../core/cli-args.js";
import { formatDuration, Progress, ProgressLine } from "../../core/progress.js";
import { exportGenesis } from "../node/export.js";
import { isInitialized } from "../node/home.js";

/** `metro export --home DIR --height H --chain-id NEW [--output FILE]`: a hard-fork genesis. */
export async function exportCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    home: { type: "string" },
    height: { type: "string" },
    "chain-id": { type: "string" },
    output: { type: "string" },
  });
  const home = required(values.home, "--home DIR");
  if (!isInitialized(home)) throw new UsageError(`${home} is not a Metro home`);
  const heightText = required(values.height, "--height H");
  if (!/^[1-9]\d*$/.test(heightText))
    throw new UsageError(`--height must be a positive integer, got "${heightText}"`);
  const chainId = required(values["chain-id"], "--chain-id NEW_ID (a hard fork needs a new chain id)");
  // Progress goes to stderr: stdout may be the genesis itself.
  const line = new ProgressLine(process.stderr);
  let progress: Progress | undefined;
  let keys = 0;
  const genesis = await exportGenesis({
    home,
    height: BigInt(heightText),
    chainId,
    onProgress: ({ done, estimatedTotal }) => {
      keys = done;
      progress ??= new Progress(estimatedTotal);
      progress.setTotal(estimatedTotal);
      line.update(
        `exporting state at height ${heightText}: ${progress.describe(done, "keys (estimated total)")}`,
      );
    },
  });
  line.done(
    `exported ${keys} keys at height ${heightText}${progress ? ` in ${formatDuration(progress.elapsedMs())}` : ""}`,
  );
  const text = `${JSON.stringify(genesis, null, 2)}\n`;
  if (values.output) writeFileSync(values.output, text);
  else process.stdout.write(text);
}
