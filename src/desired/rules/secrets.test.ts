import { describe, expect, it } from 'vitest';
import { isCredentialUrl, looksLikeSecretName, looksLikeSecretValue } from './secrets.js';

describe('secret values', () => {
  it.each([
    'Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
    'Basic dXNlcjpwYXNzd29yZA==',
    'token ghp_0123456789abcdef',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIE…',
    '-----BEGIN OPENSSH PRIVATE KEY-----',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYm5kIn0.c2lnbmF0dXJl',
  ])('%s is one', (v) => expect(looksLikeSecretValue(v)).toBe(true));

  it.each(['sbnd', 'Production', 'basic', '/pnfs/sbnd/scratch', 'v09_91_02', 'Token bucket'])(
    '%s is not',
    (v) => expect(looksLikeSecretValue(v)).toBe(false),
  );
});

describe('secret names', () => {
  it.each([
    'GITHUB_TOKEN',
    'DB_PASS',
    'MYSQL_PWD',
    'SAM_PASSWORD',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'SSH_KEY',
    'API_KEY',
    'APIKEY',
    'BEARER',
    'jobsubToken',
    'private-key',
    'GPG_PASSPHRASE',
    'SESSION_COOKIE',
    'HTTP_AUTHORIZATION',
  ])('%s is one', (name) => expect(looksLikeSecretName(name)).toBe(true));

  it.each([
    'PWD',
    'X509_USER_PROXY',
    'SORT_KEY',
    'PASSENGER_COUNT',
    'BYPASS_CACHE',
    'KEYS',
    'HOME',
  ])('%s is not', (name) => expect(looksLikeSecretName(name)).toBe(false));
});

describe('webhook URLs that are credentials', () => {
  it.each([
    'https://hooks.slack.com/services/T0/B0/XXXX',
    'https://HOOKS.SLACK.COM/services/T0/B0/XXXX',
    'https://hooks.slack.com:443/services/T0/B0/XXXX',
    'http://hooks.slack.com/services/T0/B0/XXXX',
    'https://hooks.slack.com./services/T0/B0/XXXX',
    'https://discord.com/api/webhooks/1/abc',
    'https://discordapp.com/api/v10/webhooks/1/abc',
    'https://fnal.webhook.office.com/webhookb2/abc',
  ])('%s is one', (url) => expect(isCredentialUrl(url)).toBe(true));

  it.each([
    'https://example.org/hooks.slack.com/services/x',
    'https://hooks.slack.com.evil.example/services/x',
    'https://ci.fnal.gov/notify',
    'not a url',
  ])('%s is not', (url) => expect(isCredentialUrl(url)).toBe(false));
});
