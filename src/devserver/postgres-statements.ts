/**
 * How Vault's PostgreSQL plugin turns a role's statements into queries: each `{{key}}` is
 * replaced verbatim (no quoting: the statement author quotes), and a statement is split on `;`
 * unless it holds a dollar-quoted body (`DO $$ ... $$`), which runs as one query.
 */
export type StatementValues = Readonly<Record<string, string>>;

const DOLLAR_QUOTE = /\$[A-Za-z_]*\$/;

export function renderStatements(statements: readonly string[], values: StatementValues): string[] {
  const queries: string[] = [];
  for (const statement of statements) {
    const parts = DOLLAR_QUOTE.test(statement) ? [statement] : statement.split(';');
    for (const part of parts) {
      const query = part.trim();
      if (query) queries.push(fillTemplate(query, values));
    }
  }
  return queries;
}

export function fillTemplate(template: string, values: StatementValues): string {
  let out = template;
  for (const [key, value] of Object.entries(values)) out = out.split(`{{${key}}}`).join(value);
  return out;
}

/** Vault's `{{expiration}}`: Go's "2006-01-02 15:04:05-0700" layout, here always in UTC. */
export function formatExpiration(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}+0000`;
}

/** `ALTER ROLE ... VALID UNTIL`, Vault's renew statement when a role has none. */
export const DEFAULT_RENEW_STATEMENTS: readonly string[] = [`ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`];
