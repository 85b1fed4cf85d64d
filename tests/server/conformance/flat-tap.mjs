// A node:test reporter that prints flat TAP 13 (one line per test case,
// named "suite › case", diagnostics as comments) so that meson counts each
// case and needs no YAML or subtest support.
//
// SPDX-License-Identifier: GPL-3.0-or-later

function comment (text) {
  return String(text).split('\n').filter(l => l.length).map(l => `# ${l}\n`).join('');
}

export default async function * flatTap (source) {
  const names = [];
  let n = 0;

  yield 'TAP version 13\n';
  for await (const { type, data } of source) {
    switch (type) {
      case 'test:start':
        names[data.nesting] = data.name;
        break;
      case 'test:pass':
      case 'test:fail': {
        const isSuite = data.details?.type === 'suite';
        // Suites are reported only when they fail by themselves (a hook).
        if (isSuite && type === 'test:pass')
          break;
        const name = names.slice(0, data.nesting).concat(data.name).join(' › ');
        n++;
        if (type === 'test:pass') {
          yield `ok ${n} - ${name}\n`;
        } else {
          const error = data.details?.error;
          yield `not ok ${n} - ${name}\n`;
          yield comment(error?.cause?.stack ?? error?.cause ?? error?.stack ?? error);
        }
        break;
      }
      case 'test:diagnostic':
        if (data.nesting === 0)
          yield comment(data.message);
        break;
      case 'test:stderr':
      case 'test:stdout':
        yield comment(data.message);
        break;
    }
  }
  yield `1..${n}\n`;
}
