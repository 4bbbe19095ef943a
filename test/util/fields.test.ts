/**
 * The validation kit: each check returns the typed value or a ProbeError whose message names the
 * key, with the code of its kind (config or request); fallbacks apply only to missing values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProbeError } from '../../src/util/errors';
import { configFields, fields, requestFields } from '../../src/util/fields';

const refuses = (check: () => unknown, code: string, message: string) =>
  assert.throws(check, (err: unknown) => err instanceof ProbeError && err.code === code && err.message === message);

test('errors name the key and carry the caller kind of code', () => {
  refuses(() => configFields.text(5, 'page.title', 80), 'PROBE_ERR_CONFIG', '"page.title" must be a string of at most 80 characters');
  refuses(() => requestFields.text(5, 'name', 80), 'PROBE_ERR_BAD_REQUEST', '"name" must be a string of at most 80 characters');
  refuses(() => fields('PROBE_ERR_NOTIFY').bool('yes', 'x', false), 'PROBE_ERR_NOTIFY', '"x" must be true or false, got "yes"');
  assert.equal(requestFields.bad('mode', 'is wrong').message, '"mode" is wrong');
});

test('object and knownKeys', () => {
  const { object, knownKeys } = configFields;
  assert.deepEqual(object({ a: 1 }, 'server'), { a: 1 });
  for (const v of [null, [], 'x', undefined]) refuses(() => object(v, 'server'), 'PROBE_ERR_CONFIG', '"server" must be an object');
  knownKeys({ listen: 'x', '// why': 'a comment' }, 'server', ['listen']);
  refuses(
    () => knownKeys({ lisen: 1 }, 'server', ['listen', 'data']),
    'PROBE_ERR_CONFIG',
    '"server.lisen" is not a known setting (known: listen, data)',
  );
  refuses(() => knownKeys({ sever: 1 }, '', ['server']), 'PROBE_ERR_CONFIG', '"sever" is not a known setting (known: server)');
});

test('text, optionalText and strings keep to their bounds', () => {
  const { text, optionalText, strings } = requestFields;
  assert.equal(text('abc', 'k', 3), 'abc');
  refuses(() => text('abcd', 'k', 3), 'PROBE_ERR_BAD_REQUEST', '"k" must be a string of at most 3 characters');
  refuses(() => text('', 'k', 3, 1), 'PROBE_ERR_BAD_REQUEST', '"k" must be a string of 1 to 3 characters');
  assert.equal(optionalText(undefined, 'k', 3), undefined);
  assert.equal(optionalText('ab', 'k', 3), 'ab');
  refuses(() => optionalText(null, 'k', 3), 'PROBE_ERR_BAD_REQUEST', '"k" must be a string of at most 3 characters');
  assert.deepEqual(strings(undefined, 'k'), []);
  assert.deepEqual(strings(['a', 'b'], 'k', 2), ['a', 'b']);
  refuses(() => strings(['a', 'b', 'c'], 'k', 2), 'PROBE_ERR_BAD_REQUEST', '"k" must be a list of at most 2 strings');
  refuses(() => strings(['a', 1], 'k', 2), 'PROBE_ERR_BAD_REQUEST', '"k" must be a list of at most 2 strings');
});

test('bool, integer and number: the fallback is for a missing value only', () => {
  const { bool, integer, number } = configFields;
  assert.equal(bool(undefined, 'k', true), true);
  assert.equal(bool(false, 'k', true), false);
  refuses(() => bool(null, 'k', true), 'PROBE_ERR_CONFIG', '"k" must be true or false, got null');
  assert.equal(integer(undefined, 'day', 1, 28, 1), 1);
  assert.equal(integer(28, 'day', 1, 28), 28);
  refuses(() => integer(29, 'day', 1, 28, 1), 'PROBE_ERR_CONFIG', '"day" must be a whole number from 1 to 28, got 29');
  refuses(() => integer(1.5, 'day', 1, 28), 'PROBE_ERR_CONFIG', '"day" must be a whole number from 1 to 28, got 1.5');
  refuses(() => integer(undefined, 'day', 1, 28), 'PROBE_ERR_CONFIG', '"day" is required (a whole number from 1 to 28)');
  assert.equal(number(-0.5, 'k'), -0.5);
  assert.equal(number(undefined, 'k', 3), 3);
  refuses(() => number(Infinity, 'k'), 'PROBE_ERR_CONFIG', '"k" must be a number, got null');
  refuses(() => number('1', 'k'), 'PROBE_ERR_CONFIG', '"k" must be a number, got "1"');
});

test('oneOf, duration, bytes and httpUrl', () => {
  const { oneOf, duration, bytes, httpUrl } = configFields;
  assert.equal(oneOf('b', 'k', ['a', 'b'] as const), 'b');
  assert.equal(oneOf(undefined, 'k', ['a', 'b'] as const, 'a'), 'a');
  refuses(() => oneOf('toString', 'k', ['a', 'b'] as const), 'PROBE_ERR_CONFIG', '"k" must be one of a, b, got "toString"');
  refuses(() => oneOf(undefined, 'k', ['a', 'b'] as const), 'PROBE_ERR_CONFIG', '"k" is required (one of a, b)');
  assert.equal(duration('5m', 'k'), 300_000);
  assert.equal(duration(undefined, 'k', 1000), 1000);
  refuses(() => duration(5, 'k'), 'PROBE_ERR_CONFIG', '"k" must be a duration such as "30s" or "5m", got 5');
  assert.equal(bytes('1TB', 'k'), 1e12);
  assert.equal(bytes(2048, 'k'), 2048);
  refuses(() => bytes('lots', 'k'), 'PROBE_ERR_CONFIG', '"k" must be a size such as "1TB" or "500GiB", got "lots"');
  assert.equal(httpUrl('https://example.com/hook', 'k'), 'https://example.com/hook');
  for (const v of ['javascript:alert(1)', 'ftp://x', 'https://a b', 7])
    refuses(() => httpUrl(v, 'k'), 'PROBE_ERR_CONFIG', `"k" must be an http:// or https:// URL, got ${JSON.stringify(v)}`);
});
