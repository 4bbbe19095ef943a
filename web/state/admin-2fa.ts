/**
 * @module The admin's second factor (TOTP): whether it is on, a setup waiting for its first code
 * (the secret and otpauth:// URI), the recovery codes shown once, and the actions through
 * /api/admin/2fa.
 */
import { signal } from '@preact/signals';
import type { RecoveryCodesReply, SecondFactorReply, SecondFactorSetupReply } from '../../src/protocol/admin';
import { api, attempt } from './admin-api';

export const secondFactor = signal<SecondFactorReply | null>(null);
export const pendingSetup = signal<SecondFactorSetupReply | null>(null);
export const recoveryCodes = signal<string[] | null>(null);

export async function loadSecondFactor(): Promise<void> {
  secondFactor.value = await api<SecondFactorReply>('GET', '/api/admin/2fa');
}

export function beginSecondFactor(): Promise<boolean> {
  return attempt(async () => {
    recoveryCodes.value = null;
    pendingSetup.value = await api<SecondFactorSetupReply>('POST', '/api/admin/2fa/setup', {});
  });
}

export function confirmSecondFactor(code: string, ok: string): Promise<boolean> {
  return attempt(async () => {
    recoveryCodes.value = (await api<RecoveryCodesReply>('POST', '/api/admin/2fa/confirm', { code })).recoveryCodes;
    pendingSetup.value = null;
    await loadSecondFactor();
  }, ok);
}

export function disableSecondFactor(code: string, ok: string): Promise<boolean> {
  return attempt(async () => {
    secondFactor.value = await api<SecondFactorReply>('POST', '/api/admin/2fa/disable', { code });
    recoveryCodes.value = null;
  }, ok);
}
