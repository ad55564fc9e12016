package views

// ProfileData renders the organization's profile form (POST /settings/profile).
type ProfileData struct {
	Name, Slug, LogoURL string
	Errors              FieldErrors // by FieldOrgName, FieldOrgSlug, FieldOrgLogoURL
}

// MethodsData renders the organization's sign-in methods form (POST /settings/methods).
type MethodsData struct {
	Restricted   bool           // auth_methods RESTRICTED
	Methods      []MethodChoice // every method offered, ticked when allowed
	EmailInvites string         // ALL_ALLOWED, RESTRICTED or NOT_ALLOWED
	Invites      []Option       // the email_invites choices
	Warning      string         // the admin is about to restrict away the method they signed in with
	Errors       FieldErrors    // by FieldAllowedMethods
}

// MethodChoice is one sign-in method on the form.
type MethodChoice struct {
	Value, Label string
	Allowed      bool
}

// DeleteOrgData renders the form that deletes the organization (POST /settings/delete).
type DeleteOrgData struct {
	OrgName string
	Slug    string // what confirm_slug must be
	Typed   string
	Error   string
}
