import { TokenPrompt, type TokenStore } from '../state/token-prompt.js';

const KEY = 'wave.token';

/** The token for this tab only: sessionStorage ends with the tab, unlike localStorage. */
const sessionTokenStore: TokenStore = {
  get: () => {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  set: (token) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
};

/** The one token prompt of the page, shared by every request and event stream. */
export const tokenPrompt = new TokenPrompt(sessionTokenStore);
