/**
 * `grpc://`, `grpcs://`, `ws://` and `wss://` endpoints in the config: their kind, defaults and
 * TLS, and every key that makes no sense for the kind is a config error naming it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpointConfig } from '../helpers/config.ts';

const one = (url: string, settings: Record<string, unknown> = {}) =>
  endpointConfig(url, settings).endpoints[0]!;

describe('grpc:// endpoints', () => {
  test('kind grpc, named by URL, the whole server by default, TLS only for grpcs', () => {
    const e = one('grpc://127.0.0.1:50051');
    assert.equal(e.kind, 'grpc');
    assert.equal(e.name, 'grpc://127.0.0.1:50051');
    assert.equal(e.method, 'GRPC');
    assert.deepEqual(e.grpc, { service: '' });
    assert.equal(e.tls, undefined);
    const s = one('grpcs://api.example', {
      grpc: { service: 'shop.Cart' },
      tls: { insecure: true },
    });
    assert.deepEqual(s.grpc, { service: 'shop.Cart' });
    assert.equal(s.tls?.insecure, true);
  });
  test('mistakes name their field', () => {
    assert.throws(
      () => one('grpc://h'),
      /endpoints\[0\]\.url: expected grpc:\/\/host:port.*no port/,
    );
    assert.throws(
      () => one('grpc://h:1/x.Y'),
      /no path or query: the service goes in grpc\.service/,
    );
    assert.throws(
      () => one('grpc://h:1', { method: 'POST' }),
      /endpoints\[0\]\.method: not used by grpc:\/\/ probes/,
    );
    assert.throws(
      () => one('grpc://h:1', { expect: { status: '200' } }),
      /endpoints\[0\]\.expect\.status/,
    );
    assert.throws(
      () => one('grpc://h:1', { connections: 2 }),
      /endpoints\[0\]\.connections: only for ws:\/\//,
    );
    assert.throws(
      () => one('grpc://h:1', { tls: true }),
      /endpoints\[0\]\.tls: grpc:\/\/ does not use TLS: use a grpcs:\/\/ URL/,
    );
    assert.throws(
      () => one('http://h/', { grpc: { service: 'x' } }),
      /endpoints\[0\]\.grpc: only for grpc:\/\//,
    );
    assert.throws(() => one('grpc://h:1', { connection: 'fresh' }), /endpoints\[0\]\.connection/);
  });
});

describe('ws:// endpoints', () => {
  test('kind ws, one connection and no message by default; headers go with the upgrade', () => {
    const e = one('ws://127.0.0.1:8080/live?x=1', { headers: { Authorization: 'Bearer t' } });
    assert.equal(e.kind, 'ws');
    assert.equal(e.method, 'WS');
    assert.equal(e.url, 'ws://127.0.0.1:8080/live?x=1');
    assert.deepEqual(e.ws, { connections: 1, ping: false, send: undefined, expect: undefined });
    assert.equal(e.headers.authorization, 'Bearer t');
    const s = one('wss://h/', { connections: 8, ws: { send: 'ping', expect: 'pong' } });
    assert.deepEqual(s.ws, { connections: 8, ping: false, send: 'ping', expect: 'pong' });
    assert.notEqual(s.tls, undefined);
  });
  test('mistakes name their field', () => {
    assert.throws(
      () => one('ws://h/', { connections: 0 }),
      /endpoints\[0\]\.connections: must be 1 or more/,
    );
    assert.throws(
      () => one('ws://h/', { ws: { expect: 'x' } }),
      /endpoints\[0\]\.ws\.expect: needs ws\.send/,
    );
    assert.throws(
      () => one('ws://h/', { ws: { ping: true, send: 'x' } }),
      /endpoints\[0\]\.ws\.send: choose one check/,
    );
    assert.throws(() => one('ws://h/', { ws: { pong: true } }), /endpoints\[0\]\.ws/);
    assert.throws(
      () => one('ws://h/', { body: 'x' }),
      /endpoints\[0\]\.body: not used by ws:\/\/ probes/,
    );
    assert.throws(() => one('ws://u:p@h/'), /no user-info/);
    assert.throws(
      () => one('http://h/', { ws: { ping: true } }),
      /endpoints\[0\]\.ws: only for ws:\/\//,
    );
  });
});
