/** What the read endpoint knows of one file's reads. */
export interface FileReads {
  /** Full reads (200 answers) since the endpoint started; 304 checks are not reads. */
  readonly count: number;
  /** Epoch ms of the latest full read. */
  readonly lastReadAt: number;
  /** The version handed out at the latest full read. */
  readonly lastVersion: string;
}

/** Exact per-file read counts. Keys are files the provider knows, so the map stays as small as the config. */
export class ReadCounter {
  private readonly files = new Map<string, FileReads>();

  record(file: string, at: number, version: string): void {
    const count = (this.files.get(file)?.count ?? 0) + 1;
    this.files.set(file, Object.freeze({ count, lastReadAt: at, lastVersion: version }));
  }

  get(file: string): FileReads | undefined {
    return this.files.get(file);
  }

  forget(file: string): void {
    this.files.delete(file);
  }
}
