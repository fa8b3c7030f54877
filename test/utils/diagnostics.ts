// The diagnostic code a failing call gave, for tests of refusals: `expect(await diagnosticCode(p)).toBe('IMAGE_REF_NOT_FOUND')`.
import { BoxerError } from '@boxer/diagnostics';

/** The code of the BoxerError `p` rejects with, or 'resolved' when it does not reject; any other error is rethrown. */
export async function diagnosticCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BoxerError) return e.diagnostic.code;
    throw e;
  }
  return 'resolved';
}
