/**
 * File permission bits, always octal as with chmod: "0400", "440", "0o640". The YAML loader hands
 * over numbers as written (`mode: 400` arrives as "400"); an integer reaching here came from
 * elsewhere and is taken as the numeric mode.
 */
const OCTAL_TEXT = /^(?:0o)?[0-7]+$/;
const EXPECTED = 'must be an octal string like "0400" or an integer';

/** The mode bits, or a description of what is wrong (without the key). */
export function fileModeOrProblem(value: unknown): number | string {
  let mode: number;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!OCTAL_TEXT.test(text)) return `${EXPECTED} (got ${JSON.stringify(value.slice(0, 20))})`;
    mode = parseInt(text.replace(/^0o/, ''), 8);
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    mode = value;
  } else {
    return EXPECTED;
  }
  if (mode < 0 || mode > 0o777) return `must be between 0 and 0777 (got ${octal(mode)})`;
  // A secret file anyone can rewrite lets any process in the pod feed the app forged credentials.
  if (mode & 0o002) return `must not be world-writable (got ${octal(mode)})`;
  return mode;
}

export function octal(mode: number): string {
  return mode < 0 ? `-0${(-mode).toString(8)}` : `0${mode.toString(8)}`;
}
