import assert from 'node:assert/strict';
import { ListRequestRewriter, LIST_MARKER_HEADER } from '../../src/devserver/list-method.js';

describe('devserver LIST request rewriting', () => {
  const rewrite = (...chunks: string[]) => {
    const rewriter = new ListRequestRewriter();
    return chunks.map((c) => rewriter.push(Buffer.from(c, 'latin1')).toString('latin1')).join('');
  };

  it('turns a LIST request line into GET with the marker header', () => {
    assert.equal(rewrite('LIST /v1/secret/metadata HTTP/1.1\r\nHost: x\r\n\r\n'), `GET /v1/secret/metadata HTTP/1.1\r\n${LIST_MARKER_HEADER}: 1\r\nHost: x\r\n\r\n`);
  });

  it('handles heads split across chunks and pipelined requests', () => {
    const out = rewrite('LI', 'ST /a HTTP/1.1\r\nHost: x\r', '\n\r\nLIST /b HTTP/1.1\r\n\r\n');
    assert.equal(out.split(`${LIST_MARKER_HEADER}: 1`).length, 3);
  });

  it('never rewrites body bytes, with content-length or chunked framing', () => {
    const body = 'LIST /evil HTTP/1.1\r\n\r\n';
    const fixed = `POST /a HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    assert.equal(rewrite(fixed), fixed);
    const chunked = `POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    assert.equal(rewrite(chunked.slice(0, 50), chunked.slice(50)), chunked);
    assert.ok(rewrite(chunked + 'LIST /next HTTP/1.1\r\n\r\n').endsWith(`GET /next HTTP/1.1\r\n${LIST_MARKER_HEADER}: 1\r\n\r\n`));
  });
});
