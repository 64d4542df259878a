import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import type { AgentState } from '../../src/state/agent-state.js';
import { StateFile } from '../../src/state/state-file.js';

describe('StateFile', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'vaultlet-state-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('keeps what a restarted agent needs to adopt a certificate and a static credential, validity included', async () => {
    const state: AgentState = {
      version: 1,
      identity: '["http://vault:8200","kubernetes","app"]',
      retired: {},
      secrets: {
        tls: {
          source: '["pki","pki/issue/web",{}]', token: 'hvs.x', grantedTtlMs: 0, capped: false,
          lease: { id: '', ttlMs: 3_600_000, renewable: false, obtainedAt: 1_000, validity: { from: 970, until: 3_600_970, rotate: 'before' }, data: { certificate: 'PEM' } },
        },
        pg: {
          source: '["static","database/static-creds/app"]', token: 'hvs.x', grantedTtlMs: 0, capped: false,
          lease: { id: '', ttlMs: 0, renewable: false, obtainedAt: 2_000, validity: { from: 2_000, until: 62_000, rotate: 'after' }, data: { username: 'app' } },
        },
      },
    };
    const file = new StateFile(join(dir, 'state.json'), silentLogger());
    file.schedule(() => state);
    await file.flush();
    const read = await new StateFile(join(dir, 'state.json'), silentLogger()).read();
    assert.deepEqual(read, state);
  });
});
