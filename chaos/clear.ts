/**
 * What counts as a clear refusal. A refusal must be one of the module's own error classes (or a
 * result with a non-zero code) and carry a message a user can act on. JavaScript's own runtime
 * errors (a property read on undefined, a stack overflow, a bad BigInt conversion) are bugs even
 * where the code catches them and passes their message on, so messages are checked too.
 */
import { CrashError } from "./surface.js";

/** Messages V8 and Node give their own runtime errors: they say what broke, not what was wrong. */
const RUNTIME_MESSAGE =
  /Cannot read propert|Cannot set propert|Cannot destructure|is not a function|is not iterable|is not defined|is not a constructor|Maximum call stack|Invalid array length|Invalid typed array length|cannot be converted to a BigInt|Cannot convert|Cannot mix BigInt|Do not know how to serialize|\[object Object\]/;

const RUNTIME_CLASSES: readonly (new (...args: never[]) => Error)[] = [
  TypeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
];

/** Whether `message` reads as a runtime failure rather than a refusal. */
export function isRuntimeMessage(message: string): boolean {
  return RUNTIME_MESSAGE.test(message);
}

/** Throws CrashError unless `message` is a non-empty, clear refusal message. */
export function requireClearMessage(message: string | undefined, where: string): string {
  if (!message || message.trim() === "") throw new CrashError(`${where}: refusal without a message`);
  if (isRuntimeMessage(message)) throw new CrashError(`${where}: unclear refusal: ${message}`);
  return message;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Throws CrashError unless `error` is an instance of one of `expected` with a clear message.
 * A runtime error class is never expected, even when a listed class is its base.
 */
export function requireTypedError(error: unknown, expected: readonly ErrorClass[], where: string): Error {
  if (!(error instanceof Error)) throw new CrashError(`${where}: threw a non-error: ${String(error)}`);
  const runtime = RUNTIME_CLASSES.some((type) => error instanceof type);
  if (runtime || !expected.some((type) => error instanceof type)) {
    throw new CrashError(`${where}: unexpected ${error.name}: ${error.message}`, { cause: error });
  }
  requireClearMessage(error.message, `${where} (${error.name})`);
  return error;
}

/** Runs `work`; a throw must be one of `expected` (then undefined is returned). */
export async function refusedWith<T>(
  work: () => T | Promise<T>,
  expected: readonly ErrorClass[],
  where: string,
): Promise<{ value: T } | { error: Error }> {
  try {
    return { value: await work() };
  } catch (error) {
    return { error: requireTypedError(error, expected, where) };
  }
}
