/** An alias bomb of a few hundred bytes: 9 levels of 9 aliases, ~387 million nodes when walked. */
export const aliasBomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
