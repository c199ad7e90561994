import { expect } from 'vitest'
import { PeakmatchError, type ErrorCode } from '../../src/index.js'

/**
 * Runs `fn` and asserts that it throws a PeakmatchError with `code` (not a TypeError, not
 * another code). Returns the error so callers can check the message.
 */
export function expectCode(fn: () => unknown, code: ErrorCode): PeakmatchError {
  let caught: unknown = undefined
  let threw = false
  try {
    fn()
  } catch (e) {
    caught = e
    threw = true
  }
  expect(threw, `expected ${code}, but nothing was thrown`).toBe(true)
  expect(caught).toBeInstanceOf(PeakmatchError)
  expect((caught as PeakmatchError).code).toBe(code)
  expect((caught as PeakmatchError).name).toBe('PeakmatchError')
  return caught as PeakmatchError
}
