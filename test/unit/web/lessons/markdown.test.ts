// The lessons' Markdown as a student sees it: emphasis written either way becomes emphasis, and the
// underscores inside socket names stay where they are.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { codePieces, Markdown } from '../../../../web/src/lessons/Markdown.js';

const html = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe('lesson Markdown', () => {
  it('emphasises _words_ and *words* alike', () => {
    expect(html('The number is the _backlog_, or the *backlog*.')).toBe(
      '<p>The number is the <em>backlog</em>, or the <em>backlog</em>.</p>',
    );
    expect(html('- the _dynamic_ or private ports')).toBe(
      '<ul><li>the <em>dynamic</em> or private ports</li></ul>',
    );
  });

  it('leaves underscores inside names alone, in code and out of it', () => {
    expect(html('Set SO_REUSEADDR, then call connect_ex or `sock_name_x`.')).toBe(
      '<p>Set SO_REUSEADDR, then call connect_ex or <code>sock_name_x</code>.</p>',
    );
    expect(html('a lone _ underscore and snake_case_name')).toBe(
      '<p>a lone _ underscore and snake_case_name</p>',
    );
  });

  it('still renders code, bold and links, and never HTML', () => {
    expect(html('**bold** `x` [docs](https://example.org/a_b_c) <b>no</b>')).toBe(
      '<p><strong>bold</strong> <code>x</code> <a href="https://example.org/a_b_c" target="_blank" rel="noopener noreferrer">docs</a> &lt;b&gt;no&lt;/b&gt;</p>',
    );
  });

  it('lets code wrap after . ( [ , and /, never inside a name or a number', () => {
    expect(codePieces("s = socket.create_connection(('127.0.0.1', 20000)); s.recv(1024)")).toEqual([
      's = socket.',
      'create_connection(',
      '(',
      "'127.0.0.1', 20000)); s.",
      'recv(',
      '1024)',
    ]);
    expect(codePieces('socket.AF_INET,socket.SOCK_STREAM')).toEqual([
      'socket.',
      'AF_INET,',
      'socket.',
      'SOCK_STREAM',
    ]);
    expect(codePieces('/proc/sys/net')).toEqual(['/', 'proc/', 'sys/', 'net']);
    expect(codePieces('s.close()')).toEqual(['s.', 'close()']);
    // A break opportunity copies as nothing: the code a student copies is the code shown.
    expect(html('Call `socket.socket()` first.')).toBe(
      '<p>Call <code>socket.<wbr/>socket()</code> first.</p>',
    );
  });
});
