/**
 * @module /api/admin/rules and /api/admin/channels: the admin's alert rules (create, edit, enable
 * or disable, delete, check as typed with a preview) and notification channels (create or edit
 * with write-only secrets, delete, send a test). The config file's are listed read-only and win
 * on a name clash.
 */
import { KIND_NAMES } from '../../alerts/kinds/index';
import type { Rule } from '../../alerts/rules';
import type { Channel } from '../../notify/channels';
import { channelTypes, parseChannel } from '../../notify/channels';
import { sendWithRetry, testMessage } from '../../notify/notifier';
import type { ChannelView, OkReply, RuleCheckReply, RuleView, RulesView } from '../../protocol/admin';
import type { ForecastItem } from '../../protocol/forecast';
import { ProbeError } from '../../util/errors';
import { requestFields } from '../../util/fields';
import type { Hub } from '../fleet/hub';
import { json, jsonError, readBody } from '../net/http-body';
import type { AlertSetup, RawChannel, RawRule } from './alert-setup';
import { asRequest, exists, nameIn, notFound } from './route';
import type { Route } from './route';
import { ruleShape, wouldFire } from './rule-check';
import { channelView, withKeptSecrets } from './channel-view';

export interface AlertRouteDeps {
  setup: AlertSetup;
  hub: Pick<Hub, 'ids' | 'meta' | 'latest'>;
  publicUrl: string;
  now: () => number;
  /** Each node's forecasts as last worked out, for the preview of forecast rules. */
  forecasts?: (id: number) => readonly ForecastItem[] | null;
}

const OK: OkReply = { ok: true };
const CHANNEL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function rulesView(setup: AlertSetup): RulesView {
  const file: RuleView[] = setup.fileRules.map((r) => ({ name: r.name, source: 'file', enabled: true, rule: ruleShape(r) }));
  const admin: RuleView[] = setup.adminRules().map((r) => ({
    name: r.name,
    source: 'admin',
    enabled: r.enabled !== false,
    rule: r,
    ...(setup.fileHasRule(r.name) ? { shadowed: true } : {}),
  }));
  return { rules: [...file, ...admin], kinds: [...KIND_NAMES], channels: Object.keys(setup.channels()).sort() };
}

/** The body as an admin rule: parsed (errors name the field), its name free. */
function checkedRule(setup: AlertSetup, body: Record<string, unknown>, replacing: string | null): { raw: RawRule; rules: Rule[] } {
  const rules = asRequest('rule', () => setup.parseRule(body, 'rule'));
  const name = body.name as string;
  if (setup.fileHasRule(name)) throw exists(`the config file has a rule named "${name}": it would win over this one; choose another name`);
  if (name !== replacing && setup.adminRules().some((r) => r.name === name)) throw exists(`a rule named "${name}" exists already`);
  return { raw: { ...body, name }, rules };
}

function ruleRoutes(deps: AlertRouteDeps): Record<string, Route> {
  const { setup } = deps;
  const find = (path: string): string => {
    const name = nameIn(path);
    if (!setup.adminRules().some((r) => r.name === name))
      throw notFound(setup.fileHasRule(name) ? `the rule "${name}" is in the config file: change it there` : `no admin rule "${name}"`);
    return name;
  };
  return {
    'GET /api/admin/rules': ({ res }) => json(res, 200, rulesView(setup)),
    'POST /api/admin/rules/validate': async ({ req, res, audit }) => {
      audit(null);
      const body = await readBody(req);
      try {
        const rules = asRequest('rule', () => setup.parseRule({ ...body, enabled: true }, 'rule'));
        json(res, 200, { ok: true, wouldFire: wouldFire(rules, deps.hub, deps.now(), deps.forecasts) } satisfies RuleCheckReply);
      } catch (err) {
        if (!(err instanceof ProbeError)) throw err;
        json(res, 200, { ok: false, error: err.message, wouldFire: [] } satisfies RuleCheckReply);
      }
    },
    'POST /api/admin/rules': async ({ req, res, audit }) => {
      const { raw } = checkedRule(setup, await readBody(req), null);
      setup.saveRules([...setup.adminRules(), raw]);
      audit(`rule "${raw.name}" created`);
      json(res, 201, rulesView(setup));
    },
    'PUT /api/admin/rules/:name': async ({ req, res, path, audit }) => {
      const name = find(path);
      const { raw } = checkedRule(setup, await readBody(req), name);
      setup.saveRules(setup.adminRules().map((r) => (r.name === name ? raw : r)));
      audit(
        raw.name === name
          ? `rule "${name}" changed${raw.enabled === false ? ' (disabled)' : ''}`
          : `rule "${name}" changed and renamed "${raw.name}"`,
      );
      json(res, 200, rulesView(setup));
    },
    'DELETE /api/admin/rules/:name': ({ res, path, audit }) => {
      const name = find(path);
      setup.saveRules(setup.adminRules().filter((r) => r.name !== name));
      audit(`rule "${name}" deleted`);
      json(res, 200, rulesView(setup));
    },
  };
}

function channelsView(setup: AlertSetup): { channels: ChannelView[]; types: ReturnType<typeof channelTypes> } {
  const file = Object.entries(setup.fileChannels).map(([name, c]) => channelView(name, 'file', c as unknown as RawChannel));
  const admin = Object.entries(setup.adminChannels()).map(([name, c]) => ({
    ...channelView(name, 'admin', c),
    ...(name in setup.fileChannels ? { shadowed: true } : {}),
  }));
  return { channels: [...file, ...admin], types: channelTypes() };
}

function channelRoutes(deps: AlertRouteDeps): Record<string, Route> {
  const { setup } = deps;
  return {
    'GET /api/admin/channels': ({ res }) => json(res, 200, channelsView(setup)),
    'PUT /api/admin/channels/:name': async ({ req, res, path, audit }) => {
      const name = nameIn(path);
      if (!CHANNEL_NAME.test(name)) throw requestFields.bad('name', 'must be 1-64 letters, digits, "_", "." or "-"');
      if (name in setup.fileChannels) throw exists(`the config file has a channel named "${name}": change it there`);
      const stored = setup.adminChannels();
      const raw = withKeptSecrets(await readBody(req), stored[name]);
      asRequest('channel', () => parseChannel(raw, 'channel'));
      setup.saveChannels({ ...stored, [name]: raw });
      audit(`channel "${name}" ${stored[name] ? 'changed' : 'created'} (${raw.type})`);
      json(res, stored[name] ? 200 : 201, channelsView(setup));
    },
    'DELETE /api/admin/channels/:name': ({ res, path, audit }) => {
      const name = nameIn(path);
      const stored = setup.adminChannels();
      if (!stored[name])
        throw notFound(
          name in setup.fileChannels ? `the channel "${name}" is in the config file: change it there` : `no admin channel "${name}"`,
        );
      const users = setup
        .adminRules()
        .filter((r) => Array.isArray(r.notify) && r.notify.includes(name))
        .map((r) => `"${r.name}"`);
      if (users.length) throw exists(`the channel "${name}" is used by the rules ${users.join(', ')}: change them first`);
      delete stored[name];
      setup.saveChannels(stored);
      audit(`channel "${name}" deleted`);
      json(res, 200, channelsView(setup));
    },
    'POST /api/admin/channels/:name/test': async ({ res, path, audit }) => {
      const name = nameIn(path);
      const channel: Channel | undefined = setup.channels()[name];
      if (!channel) throw notFound(`no channel "${name}"`);
      audit(`test message sent through "${name}"`);
      const ok = await sendWithRetry(name, channel, testMessage(name, deps.publicUrl, deps.now()), { attempts: 1, baseDelayMs: 0 });
      if (ok) json(res, 200, OK);
      else jsonError(res, 502, 'PROBE_ERR_NOTIFY', `the test message through "${name}" failed: see the server log`);
    },
  };
}

export function alertRoutes(deps: AlertRouteDeps): Record<string, Route> {
  return { ...ruleRoutes(deps), ...channelRoutes(deps) };
}
