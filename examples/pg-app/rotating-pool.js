import pg from 'pg';

/**
 * @typedef {{ username: string, password: string }} Credentials
 * @typedef {{ pool: import('pg').Pool, username: string, inFlight: number, drained?: () => void, ended?: Promise<void> }} Generation
 */

/**
 * A PostgreSQL connection pool whose credentials can change under load.
 *
 * `use(credentials)` logs in with the new credentials first, then sends every new query to the
 * new pool. The old pool keeps serving the queries it already started and is ended once the last
 * of them settles, so a rotation never fails a query. Credentials that cannot log in are refused
 * and the current pool stays.
 */
export class RotatingPool {
  /** @type {Generation | undefined} */
  #current;
  /** @type {Set<Generation>} */
  #retiring = new Set();
  /** @type {Promise<void> | undefined} */
  #closing;

  /**
   * @param {import('pg').PoolConfig} [options] shared by every pool (host, port, database, max…);
   *   unset fields come from the usual PGHOST, PGPORT, PGDATABASE environment variables.
   * @param {(error: Error) => void} [onIdleError] an idle connection failed (server restart…);
   *   the pool has already dropped it.
   */
  constructor(options = {}, onIdleError = () => {}) {
    this.options = options;
    this.onIdleError = onIdleError;
  }

  /** @returns {string | undefined} */
  get username() {
    return this.#current?.username;
  }

  /**
   * Switches to `credentials`; resolves when the new pool serves queries (the old one drains in
   * the background). Rejects, keeping the current pool, if the new credentials do not work.
   * @param {Credentials} credentials
   * @returns {Promise<{ previous: string | undefined, drained: Promise<void> }>}
   */
  async use(credentials) {
    if (this.#closing) throw new Error('the pool is closed');
    if (credentials.username === this.#current?.username) return { previous: credentials.username, drained: Promise.resolve() };
    const pool = new pg.Pool({ ...this.options, user: credentials.username, password: credentials.password });
    pool.on('error', (error) => this.onIdleError(error));
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    const previous = this.#current;
    this.#current = { pool, username: credentials.username, inFlight: 0 };
    return { previous: previous?.username, drained: previous ? this.#retire(previous) : Promise.resolve() };
  }

  /**
   * A query on the current pool (the pool that was current when it was called).
   * @param {string} text
   * @param {unknown[]} [values]
   */
  query(text, values) {
    return this.withClient((client) => client.query(text, values));
  }

  /**
   * Runs `work` with one connection of the current pool, e.g. for a transaction; the pool it
   * came from is not ended before `work` settles.
   * @template T
   * @param {(client: import('pg').PoolClient) => Promise<T>} work
   * @returns {Promise<T>}
   */
  async withClient(work) {
    const generation = this.#current;
    if (!generation || this.#closing) throw new Error(generation ? 'the pool is closed' : 'no credentials yet');
    generation.inFlight++;
    try {
      const client = await generation.pool.connect();
      try {
        return await work(client);
      } finally {
        client.release();
      }
    } finally {
      generation.inFlight--;
      if (generation.inFlight === 0) generation.drained?.();
    }
  }

  /** Ends every pool once its queries have settled. Safe to call twice. */
  close() {
    this.#closing ??= (async () => {
      const current = this.#current;
      this.#current = undefined;
      await Promise.all([...(current ? [this.#retire(current)] : []), ...[...this.#retiring].map((g) => this.#retire(g))]);
    })();
    return this.#closing;
  }

  /**
   * pool.end() alone is not enough: a query still waiting for a connection when end() is
   * called would never get one. So wait for our own count of started queries to reach zero.
   * @param {Generation} generation
   */
  #retire(generation) {
    generation.ended ??= (async () => {
      this.#retiring.add(generation);
      if (generation.inFlight > 0) await new Promise((resolve) => (generation.drained = () => resolve(undefined)));
      await generation.pool.end().catch(() => {});
      this.#retiring.delete(generation);
    })();
    return generation.ended;
  }
}
