/** What /readyz reports. Reasons name secrets and conditions only, never values or tokens. */
export interface Readiness {
  ready: boolean;
  /** e.g. 'not logged in', 'secret "db": not written yet', 'secret "db": lease expired'. */
  reasons: string[];
}
