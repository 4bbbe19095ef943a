/**
 * @module Channel secrets are write-only: a channel's view leaves out every field its provider
 * marks secret (saying only which are set), and an edit that leaves a secret empty keeps the
 * stored one.
 */
import { channelTypes } from '../../notify/channels';
import type { ChannelView, Source } from '../../protocol/admin';
import { requestFields } from '../../util/fields';
import type { RawChannel } from './alert-setup';

const TYPES = channelTypes();

const isSet = (value: unknown): boolean =>
  typeof value === 'string'
    ? value !== ''
    : typeof value === 'object' && value !== null
      ? Object.keys(value).length > 0
      : value !== undefined;

/** The channel without its secrets. */
export function channelView(name: string, source: Source, channel: RawChannel): ChannelView {
  const secret = new Set((TYPES[channel.type] ?? []).filter((f) => f.secret).map((f) => f.name));
  const config: Record<string, unknown> = {};
  const secretsSet: string[] = [];
  for (const [key, value] of Object.entries(channel)) {
    if (!secret.has(key)) config[key] = value;
    else if (isSet(value)) secretsSet.push(key);
  }
  return { name, type: channel.type, source, config, secretsSet };
}

/**
 * The body of an edit with the stored secrets kept where it leaves them out or empty (a header
 * of the same name left empty keeps its value too). A channel of another type keeps nothing.
 */
export function withKeptSecrets(body: Record<string, unknown>, stored: RawChannel | undefined): RawChannel {
  const type = requestFields.oneOf(body.type, 'type', Object.keys(TYPES));
  const out: RawChannel = { ...body, type };
  if (!stored || stored.type !== type) return out;
  for (const field of TYPES[type]!.filter((f) => f.secret)) {
    const given = out[field.name];
    const old = stored[field.name];
    if (field.kind === 'headers' && typeof given === 'object' && given !== null && typeof old === 'object' && old !== null) {
      const headers = { ...(given as Record<string, unknown>) };
      for (const [k, v] of Object.entries(headers)) if (v === '' && k in old) headers[k] = (old as Record<string, unknown>)[k];
      out[field.name] = headers;
    } else if (given === undefined || given === '') {
      if (old === undefined) delete out[field.name];
      else out[field.name] = old;
    }
  }
  return out;
}
