import { resolve } from 'node:path';
import { bundledInviteTemplateDirectory, loadInviteTemplates, type InviteTemplates } from './invite-templates.js';

/**
 * The templates of `directory` (`INVITE_TEMPLATE_DIR`; unset: the bundled defaults), read, parsed and checked at
 * the first render rather than at start: most runs send no invite, and loading the template library and parsing
 * cost ~0.15 s of every start. A broken directory is still refused at start by the configuration's own check
 * (`connection-config.ts`); a failure here (a file changed since, a broken installation) throws
 * `InviteTemplateError` from `render`, which fails that invite as a configuration problem.
 */
export function lazyInviteTemplates(directory?: string): InviteTemplates {
  const bundled = directory === undefined || directory.trim() === '';
  let loaded: InviteTemplates | undefined;
  return {
    directory: bundled ? bundledInviteTemplateDirectory() : resolve(directory.trim()),
    render(values) {
      loaded ??= loadInviteTemplates(directory);
      return loaded.render(values);
    },
  };
}
