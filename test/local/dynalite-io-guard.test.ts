/**
 * The store-boundary half of the full-disk rule (the real tmpfs run is test/e2e/full-disk.test.ts,
 * which needs root): an I/O error handed to, or thrown inside, a dynalite action answers a 500
 * InternalServerError instead of being thrown out of dynalite's callback, which ended the process.
 */
import { expect, it } from 'vitest';
import { guardAction, STORE_FAILURE_TYPE } from '#local/dynalite-io-guard';

const enospc = Object.assign(new Error('IO error: write: No space left on device'), { code: 'ENOSPC' });

it('turns an I/O error, passed back or thrown, into a 500 InternalServerError and reports it once', () => {
  const reported: unknown[] = [];
  const answers: unknown[] = [];
  const passedBack = guardAction(
    (_store, _data, callback) => callback(enospc),
    (error) => reported.push(error),
  );
  passedBack({}, {}, (error) => answers.push(error));
  const thrown = guardAction(
    () => {
      throw enospc;
    },
    (error) => reported.push(error),
  );
  thrown({}, {}, (error) => answers.push(error));
  expect(reported).toEqual([enospc, enospc]);
  for (const answer of answers) {
    expect(answer).toMatchObject({ statusCode: 500, body: { __type: STORE_FAILURE_TYPE } });
    expect((answer as { body: { message: string } }).body.message).toContain('ENOSPC: the disk is full');
  }
});

it('passes validation errors and results through untouched', () => {
  const validation = { statusCode: 400, body: { __type: 'ValidationException', message: 'bad' } };
  const seen: unknown[] = [];
  guardAction(
    (_s, _d, callback) => callback(validation),
    () => seen.push('reported'),
  )({}, {}, (error) => seen.push(error));
  guardAction(
    (_s, _d, callback) => callback(null, { Item: 1 }),
    () => seen.push('reported'),
  )({}, {}, (error, data) => seen.push([error, data]));
  expect(seen).toEqual([validation, [null, { Item: 1 }]]);
});
