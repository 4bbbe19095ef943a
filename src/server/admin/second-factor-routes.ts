/**
 * @module /api/admin/2fa: the admin's optional TOTP second factor: its state, setting it up (a new
 * secret and its otpauth:// URI, then a first code to confirm; the recovery codes are shown once)
 * and removing it (with a current code or a recovery code).
 */
import type { SecondFactorReply, SecondFactorSetupReply, RecoveryCodesReply } from '../../protocol/admin';
import { requestFields } from '../../util/fields';
import { HttpError, json, readBody } from '../net/http-body';
import type { Route } from './route';
import type { SecondFactor } from './second-factor';

const code = (body: Record<string, unknown>): string => requestFields.text(body.code, 'code', 64, 1);

export function secondFactorRoutes(factor: SecondFactor): Record<string, Route> {
  const state = (): SecondFactorReply => ({ enabled: factor.enabled(), recoveryLeft: factor.recoveryLeft() });
  return {
    'GET /api/admin/2fa': ({ res }) => json(res, 200, state()),
    'POST /api/admin/2fa/setup': ({ res }) => {
      if (factor.enabled()) throw new HttpError(409, 'PROBE_ERR_EXISTS', 'a second factor is set up already: remove it first');
      json(res, 200, factor.begin('admin') satisfies SecondFactorSetupReply);
    },
    'POST /api/admin/2fa/confirm': async ({ req, res, audit }) => {
      const codes = factor.confirm(code(await readBody(req)));
      if (!codes) throw requestFields.bad('code', "is not the current code of the new secret: check the device's clock, or start again");
      audit('second factor (TOTP) turned on');
      json(res, 200, { recoveryCodes: codes } satisfies RecoveryCodesReply);
    },
    'POST /api/admin/2fa/disable': async ({ req, res, audit }) => {
      if (!factor.disable(code(await readBody(req)))) throw requestFields.bad('code', 'is not a current code or an unused recovery code');
      audit('second factor (TOTP) removed');
      json(res, 200, state());
    },
  };
}
