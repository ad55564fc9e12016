package handlers

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// MFASubmit handles POST /settings/mfa (admins; mfa_policy OPTIONAL or REQUIRED_FOR_ALL,
// allow_totp, allow_sms_otp): the organization's second sign-in step, in Stytch's own values.
func (h *Settings) MFASubmit(w http.ResponseWriter, r *http.Request, m Member) {
	v, err := formValues(r, "mfa_policy", "allow_totp", "allow_sms_otp")
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if v[0] != stytchb2b.PolicyOptional && v[0] != stytchb2b.PolicyRequiredAll {
		h.re.fail(w, r, fmt.Errorf("mfa_policy %q: %w", v[0], ErrBadRequest))
		return
	}
	f := views.MFASettingsData{Required: v[0] == stytchb2b.PolicyRequiredAll, AllowTOTP: v[1] != "", AllowSMS: v[2] != ""}
	var methods []string
	if f.AllowTOTP {
		methods = append(methods, stytchb2b.MethodTOTP)
	}
	if f.AllowSMS {
		methods = append(methods, stytchb2b.MethodSMS)
	}
	if len(methods) == 0 {
		f.Errors = map[string]string{"mfa_methods": msgMFAMethodsNone}
	} else if err := h.stytch.UpdateMFASettings(r.Context(), m.Token, m.Org.ID, v[0], methods); err != nil {
		if mfaProblem(err) == "" {
			h.re.fail(w, r, err)
			return
		}
		h.re.log.Info("mfa settings refused", "org", m.Org.ID, "err", err)
		f.Errors = map[string]string{"mfa_methods": mfaProblem(err)}
	}
	if f.Errors != nil {
		h.re.invalid(w, r, views.MFASettingsForm(f), func(status int) {
			cur, err := h.stytch.OrgSettings(r.Context(), m.Token)
			if err != nil {
				h.re.fail(w, r, err)
				return
			}
			d := settingsData(m, cur)
			d.MFA = f
			h.renderSettings(w, r, status, d)
		})
		return
	}
	redirect(w, r, "/settings?notice="+noticeMFASaved)
}

// mfaSettingsData shows the organization's MFA policy and methods on the form.
func mfaSettingsData(s stytchb2b.OrgSettings) views.MFASettingsData {
	return views.MFASettingsData{
		Required:  s.MFAPolicy == stytchb2b.PolicyRequiredAll,
		AllowTOTP: slices.Contains(s.MFAMethods, stytchb2b.MethodTOTP),
		AllowSMS:  slices.Contains(s.MFAMethods, stytchb2b.MethodSMS),
	}
}
