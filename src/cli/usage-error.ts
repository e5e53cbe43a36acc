/** UsageError is a mistake in the command line; main prints its message and the command's usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
