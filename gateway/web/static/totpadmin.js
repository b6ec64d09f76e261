// The admin console's "reset two-step sign-in" button, for accounts that need the step
// (supervisors and admins): the server forgets the account's authenticator secret and recovery
// codes and signs it out everywhere (POST /api/admin/accounts/:id/totp/reset, audited).
import { h, toast } from './common.js';

// resetTOTPButton returns the button for account a, or null for an advocate. t gives texts, api
// posts with the CSRF token, shown reports a refusal where the admin acted.
export function resetTOTPButton(a, t, api, shown) {
  if (a.role === 'advocate') return null;
  return h('button.totp-reset', {
    type: 'button', text: t('admin_reset_totp'),
    onclick: async () => {
      if (!confirm(t('admin_reset_totp_confirm', { Name: a.name }))) return;
      try {
        await api(`/api/admin/accounts/${encodeURIComponent(a.id)}/totp/reset`, {});
      } catch (err) {
        shown(err.message);
        return;
      }
      toast(t('admin_reset_totp_done', { Name: a.name }));
    },
  });
}
