package emulator

import (
	"bytes"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// The SAML callback (the connection's ACS URL) and the checks a careful SP makes on the
// Response: XML-DSig with the connection's verification certificates only (goxmldsig), then
// only the validated element is read; Destination, Issuer, bearer SubjectConfirmation
// (Recipient, NotOnOrAfter, InResponseTo), Conditions (NotBefore/NotOnOrAfter with 180 s of
// skew, on the emulator's clock), Audience, AuthnStatement; each assertion ID once; and
// InResponseTo + RelayState matching a start this emulator issued.

const (
	samlSkew        = 180 * time.Second
	maxSAMLResponse = 256 << 10
	nsDSig          = "http://www.w3.org/2000/09/xmldsig#"
)

var (
	errMissingSAMLResponse = newAPIError(400, "missing_saml_response", "The POST carries no SAMLResponse.")
	errMissingRelayState   = newAPIError(400, "missing_saml_relay_state",
		"The POST carries no RelayState: the emulator accepts only responses to sign-ins it started (no IdP-initiated sign-in).")
	errSAMLXML       = newAPIError(400, "invalid_xml_saml_response", "The SAMLResponse is not base64-encoded, well-formed XML without a DTD or comments.")
	errSAMLNoSig     = newAPIError(400, "missing_signature_saml_response", "Neither the Response nor its Assertion is signed.")
	errSAMLSig       = newAPIError(400, "invalid_signature_saml_response", "The SAMLResponse's signature does not verify against the connection's verification certificates.")
	errSAMLExpired   = newAPIError(400, "expired_saml_response", "The SAML assertion has expired.")
	errSAMLNotYet    = newAPIError(400, "not_yet_valid_saml_response", "The SAML assertion is not valid yet.")
	errSAMLAudience  = newAPIError(400, "invalid_audience_saml_response", "The SAML assertion's Audience is not this connection's audience_uri.")
	errSAMLDuplicate = newAPIError(400, "duplicate_saml_response", "This SAML assertion was already used.")
	errSAMLFailed    = newAPIError(400, "failed_saml_response", "The identity provider answered with a non-success status.")
	errSAMLEmail     = newAPIError(400, "invalid_saml_response_email", "The SAML assertion carries no valid email address for the connection's attribute_mapping.")
)

func errSAMLInvalid(why string) *apiError {
	return newAPIError(400, "invalid_saml_response", "The SAMLResponse is invalid: "+why+".")
}

// POST /v1/b2b/sso/callback/{connection_id} (SAMLResponse, RelayState): 302 to the login or
// signup URL with an sso token.
func (e *Emulator) samlCallback(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxSAMLResponse)
	raw, relay := r.PostFormValue("SAMLResponse"), r.PostFormValue("RelayState")
	if raw == "" {
		e.writeError(w, r, errMissingSAMLResponse)
		return
	}
	if relay == "" {
		e.writeError(w, r, errMissingRelayState)
		return
	}
	doc, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(raw), ""))
	if err != nil || len(doc) > maxSAMLResponse {
		e.writeError(w, r, errSAMLXML)
		return
	}
	var location string
	err = e.tx(r.Context(), func(tx *sql.Tx) error {
		ctx, now := r.Context(), e.now()
		c, err := getConn(ctx, tx, r.PathValue("connection_id"))
		if err != nil {
			return err
		}
		if c == nil || c.SAML == nil {
			return errSSOConnNotFound
		}
		if c.SAML.Status != "active" {
			return errSSONotActive
		}
		a, err := verifySAMLResponse(doc, c.SAML, now)
		if err != nil {
			return err
		}
		fresh, err := rememberAssertion(ctx, tx, c.ID, a.ID, a.NotOnOrAfter, now)
		if err != nil {
			return err
		}
		if !fresh {
			return errSAMLDuplicate
		}
		s, err := getSSOStart(ctx, tx, relay, now)
		if err != nil {
			return err
		}
		if s == nil || s.ConnectionID != c.ID || a.InResponseTo == "" || s.RequestID != a.InResponseTo {
			return errUnsolicited("saml")
		}
		id, err := samlIdentity(c.SAML, a)
		if err != nil {
			return err
		}
		location, err = e.finishCallback(ctx, tx, relay, s, id)
		return err
	})
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, location, http.StatusFound)
}

// samlResult is what a verified Response asserts.
type samlResult struct {
	ID, InResponseTo, NameID string
	NotOnOrAfter             time.Time
	Attributes               map[string][]string
}

// child is el's only child element with the given namespace and local name (nil if none;
// many is true when there are several).
func child(el *etree.Element, ns, tag string) (found *etree.Element, many bool) {
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			if found != nil {
				return found, true
			}
			found = c
		}
	}
	return found, false
}

func text(el *etree.Element) string {
	if el == nil {
		return ""
	}
	return strings.TrimSpace(el.Text())
}

// verifySAMLResponse checks doc for connection c at now (see the file comment).
func verifySAMLResponse(doc []byte, c *samlConnection, now time.Time) (*samlResult, error) {
	// No DTD (entities), and no comments: a comment inside a signed value is dropped by the
	// canonicalization the signature covers but would cut the value short when read.
	if checkNoDTD(doc) != nil || bytes.Contains(doc, []byte("<!--")) {
		return nil, errSAMLXML
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil || d.Root() == nil {
		return nil, errSAMLXML
	}
	root := d.Root()
	if root.Tag != "Response" || root.NamespaceURI() != nsSAMLP {
		return nil, errSAMLInvalid("the root element is not a samlp:Response")
	}
	if len(root.FindElements("//EncryptedAssertion")) > 0 {
		return nil, errSAMLInvalid("encrypted assertions are not supported by the emulator")
	}
	if len(root.FindElements("//Assertion")) != 1 {
		return nil, errSAMLInvalid("it must carry exactly one Assertion")
	}
	vctx, err := validationContext(c, now)
	if err != nil {
		return nil, err
	}
	resp := root
	sig, _ := child(root, nsDSig, "Signature")
	if sig != nil {
		if resp, err = vctx.Validate(root); err != nil {
			return nil, errSAMLSig
		}
	}
	assertion, many := child(resp, nsSAML, "Assertion")
	if assertion == nil || many {
		return nil, errSAMLInvalid("it must carry exactly one Assertion")
	}
	if sig == nil {
		if s, _ := child(assertion, nsDSig, "Signature"); s == nil {
			return nil, errSAMLNoSig
		}
		if assertion, err = vctx.Validate(assertion); err != nil {
			return nil, errSAMLSig
		}
	}
	return checkSAMLContents(resp, assertion, sig != nil, c, now)
}

// validationContext trusts only the connection's verification certificates, on the
// emulator's clock.
func validationContext(c *samlConnection, now time.Time) (*dsig.ValidationContext, error) {
	var roots []*x509.Certificate
	for _, vc := range c.VerificationCertificates {
		if cert, err := parsePEMCert(vc.Certificate); err == nil {
			roots = append(roots, cert)
		}
	}
	if len(roots) == 0 {
		return nil, errSAMLSig
	}
	vctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: roots})
	vctx.Clock = dsig.NewFakeClockAt(now)
	return vctx, nil
}

// checkSAMLContents checks the (validated) response and assertion.
func checkSAMLContents(resp, as *etree.Element, respSigned bool, c *samlConnection, now time.Time) (*samlResult, error) {
	dest := resp.SelectAttrValue("Destination", "")
	if (dest == "" && respSigned) || (dest != "" && dest != c.AcsURL) {
		return nil, errSAMLInvalid("its Destination is not the connection's acs_url")
	}
	if iss, _ := child(resp, nsSAML, "Issuer"); iss != nil && text(iss) != c.IdpEntityID {
		return nil, errSAMLInvalid("its Issuer is not the connection's idp_entity_id")
	}
	status, _ := child(resp, nsSAMLP, "Status")
	var code *etree.Element
	if status != nil {
		code, _ = child(status, nsSAMLP, "StatusCode")
	}
	if code == nil || code.SelectAttrValue("Value", "") != statusSuccess {
		return nil, errSAMLFailed
	}
	res := &samlResult{ID: as.SelectAttrValue("ID", ""), Attributes: map[string][]string{}}
	if res.ID == "" {
		return nil, errSAMLInvalid("the Assertion has no ID")
	}
	if iss, _ := child(as, nsSAML, "Issuer"); text(iss) != c.IdpEntityID {
		return nil, errSAMLInvalid("the Assertion's Issuer is not the connection's idp_entity_id")
	}
	subject, _ := child(as, nsSAML, "Subject")
	if subject == nil {
		return nil, errSAMLInvalid("the Assertion has no Subject")
	}
	nameID, _ := child(subject, nsSAML, "NameID")
	res.NameID = text(nameID)
	if err := checkBearer(subject, c, now, res); err != nil {
		return nil, err
	}
	if rit := resp.SelectAttrValue("InResponseTo", ""); rit != "" && rit != res.InResponseTo {
		return nil, errSAMLInvalid("the Response's InResponseTo differs from its SubjectConfirmationData's")
	}
	if err := checkConditions(as, c, now, res); err != nil {
		return nil, err
	}
	if s, _ := child(as, nsSAML, "AuthnStatement"); s == nil {
		return nil, errSAMLInvalid("the Assertion has no AuthnStatement")
	}
	if st, _ := child(as, nsSAML, "AttributeStatement"); st != nil {
		for _, a := range st.ChildElements() {
			if a.Tag != "Attribute" || a.NamespaceURI() != nsSAML {
				continue
			}
			name := a.SelectAttrValue("Name", "")
			for _, v := range a.ChildElements() {
				if v.Tag == "AttributeValue" {
					res.Attributes[name] = append(res.Attributes[name], text(v))
				}
			}
		}
	}
	return res, nil
}

// checkBearer: a bearer SubjectConfirmation whose data names the ACS URL as Recipient, is not
// past its NotOnOrAfter and has no NotBefore; it sets res.InResponseTo and NotOnOrAfter.
func checkBearer(subject *etree.Element, c *samlConnection, now time.Time, res *samlResult) error {
	for _, sc := range subject.ChildElements() {
		if sc.Tag != "SubjectConfirmation" || sc.SelectAttrValue("Method", "") != "urn:oasis:names:tc:SAML:2.0:cm:bearer" {
			continue
		}
		data, _ := child(sc, nsSAML, "SubjectConfirmationData")
		if data == nil || data.SelectAttrValue("Recipient", "") != c.AcsURL || data.SelectAttr("NotBefore") != nil {
			continue
		}
		until, err := time.Parse(time.RFC3339Nano, data.SelectAttrValue("NotOnOrAfter", ""))
		if err != nil {
			return errSAMLInvalid("the SubjectConfirmationData has no valid NotOnOrAfter")
		}
		if !now.Before(until.Add(samlSkew)) {
			return errSAMLExpired
		}
		res.InResponseTo, res.NotOnOrAfter = data.SelectAttrValue("InResponseTo", ""), until
		return nil
	}
	return errSAMLInvalid("the Subject has no bearer SubjectConfirmation for the connection's acs_url")
}

// checkConditions: NotBefore / NotOnOrAfter (with skew) and an Audience that is the
// connection's audience_uri or alternative_audience_uri.
func checkConditions(as *etree.Element, c *samlConnection, now time.Time, res *samlResult) error {
	cond, _ := child(as, nsSAML, "Conditions")
	if cond == nil {
		return errSAMLInvalid("the Assertion has no Conditions")
	}
	if v := cond.SelectAttrValue("NotBefore", ""); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return errSAMLInvalid("Conditions NotBefore is not a time")
		}
		if now.Add(samlSkew).Before(t) {
			return errSAMLNotYet
		}
	}
	if v := cond.SelectAttrValue("NotOnOrAfter", ""); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return errSAMLInvalid("Conditions NotOnOrAfter is not a time")
		}
		if !now.Before(t.Add(samlSkew)) {
			return errSAMLExpired
		}
		if t.Before(res.NotOnOrAfter) {
			res.NotOnOrAfter = t
		}
	}
	var audiences []string
	for _, ar := range cond.ChildElements() {
		if ar.Tag != "AudienceRestriction" {
			continue
		}
		for _, a := range ar.ChildElements() {
			if a.Tag == "Audience" {
				audiences = append(audiences, text(a))
			}
		}
	}
	if !slices.Contains(audiences, c.AudienceURI) && (c.AlternativeAudienceURI == "" || !slices.Contains(audiences, c.AlternativeAudienceURI)) {
		return errSAMLAudience
	}
	return nil
}

// samlIdentity maps a verified assertion through the connection's attribute_mapping ("NameID"
// names the Subject's NameID): email (required), full_name or first_name + last_name,
// groups, and idp_user_id (the external ID; NameID without it).
func samlIdentity(c *samlConnection, a *samlResult) (ssoIdentity, error) {
	get := func(key string) []string {
		attr, _ := c.AttributeMapping[key].(string)
		switch {
		case attr == "":
			return nil
		case attr == "NameID":
			return []string{a.NameID}
		}
		return a.Attributes[attr]
	}
	first := func(key string) string {
		if v := get(key); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	email, err := normalizeEmail(first("email"))
	if err != nil {
		return ssoIdentity{}, errSAMLEmail
	}
	name := first("full_name")
	if name == "" {
		name = strings.TrimSpace(first("first_name") + " " + first("last_name"))
	}
	external := first("idp_user_id")
	if external == "" {
		external = a.NameID
	}
	attrs := map[string]any{}
	for k, v := range a.Attributes {
		if len(v) == 1 {
			attrs[k] = v[0]
		} else {
			attrs[k] = v
		}
	}
	return ssoIdentity{ConnectionID: c.ConnectionID, OrgID: c.OrganizationID, Kind: "saml", Email: email, Name: name,
		ExternalID: external, Groups: get("groups"), Attributes: attrs}, nil
}
