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
	p := postForm{r: r}
	policy := p.value(views.FieldMFAPolicy)
	f := views.MFASettingsData{Required: policy == stytchb2b.PolicyRequiredAll, AllowTOTP: p.checked(views.FieldAllowTOTP), AllowSMS: p.checked(views.FieldAllowSMS)}
	if p.err == nil && policy != stytchb2b.PolicyOptional && policy != stytchb2b.PolicyRequiredAll {
		p.err = fmt.Errorf("mfa_policy %q: %w", shorten(policy), ErrBadRequest)
	}
	if p.err != nil {
		h.re.fail(w, r, p.err)
		return
	}
	var methods []string
	if f.AllowTOTP {
		methods = append(methods, stytchb2b.MethodTOTP)
	}
	if f.AllowSMS {
		methods = append(methods, stytchb2b.MethodSMS)
	}
	if len(methods) == 0 {
		f.Errors = views.FieldErrors{views.FieldMFAMethods: msgMFAMethodsNone}
	} else if err := h.stytch.UpdateMFASettings(r.Context(), m.Token, m.Org.ID, policy, methods); err != nil {
		if mfaProblem(err) == "" {
			h.re.fail(w, r, err)
			return
		}
		h.re.log.Info("mfa settings refused", "org", m.Org.ID, "err", err)
		f.Errors = views.FieldErrors{views.FieldMFAMethods: mfaProblem(err)}
	}
	if f.Errors != nil {
		h.re.invalid(w, r, views.MFASettingsForm(f), func(status int) {
			h.rerender(w, r, m, status, func(d *views.SettingsData) { d.MFA = f })
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
