// The system resolver behind the names calls: what a failed reverse lookup becomes, and the local
// answers (/etc/hosts) that need no network.

import { describe, expect, it } from 'vitest';
import { hostError, SystemNames } from '../../../gateway/syscalls/names.js';

describe('gethostbyaddr', () => {
  it('reports an address with no name as h_errno HOST_NOT_FOUND, which Python raises as herror', () => {
    for (const code of ['ENOTFOUND', 'EAI_NONAME', 'ENODATA']) {
      expect(hostError(Object.assign(new Error('x'), { code }))).toMatchObject({
        syscall: 'gethostbyaddr',
        code: 'HOST_NOT_FOUND',
        errno: 1,
        message: 'Unknown host',
      });
    }
    expect(hostError({ code: 'EAI_AGAIN' })).toMatchObject({ code: 'TRY_AGAIN', errno: 2 });
    expect(hostError({ code: 'EAI_FAIL' })).toMatchObject({ code: 'NO_RECOVERY', errno: 3 });
  });

  it("finds loopback's name in /etc/hosts", async () => {
    expect(await new SystemNames().reverse('127.0.0.1')).toBe('localhost');
  });
});
