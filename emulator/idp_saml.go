package emulator

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// The emulated SAML identity provider (dev-only, loopback-only): metadata, a sign-in page
// (no JavaScript needed) that takes any email, and a signed Response posted to the SP's ACS.
// Its entity ID is its metadata URL; it signs the Assertion (RSA-SHA256, exclusive C14N)
// with the identity providers' key (idp_keys.go). Attributes: email, name, firstName,
// lastName and groups (one value per group); NameID is the email.

const (
	nsSAMLP         = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsSAML          = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMD            = "urn:oasis:names:tc:SAML:2.0:metadata"
	nameIDEmail     = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	statusSuccess   = "urn:oasis:names:tc:SAML:2.0:status:Success"
	idpAssertionTTL = 5 * time.Minute
)

func idpSAMLEntityID(r *http.Request) string { return baseURL(r) + "/idp/saml/metadata" }
func idpSAMLSSOURL(r *http.Request) string   { return baseURL(r) + "/idp/saml/sso" }

// GET /idp/saml/metadata
func (e *Emulator) idpSAMLMetadata(w http.ResponseWriter, r *http.Request) {
	k, err := e.idpSigningKey(r.Context())
	if err != nil {
		e.idpFail(w, err)
		return
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMD)
	ed.CreateAttr("xmlns:ds", "http://www.w3.org/2000/09/xmldsig#")
	ed.CreateAttr("entityID", idpSAMLEntityID(r))
	idp := ed.CreateElement("md:IDPSSODescriptor")
	idp.CreateAttr("WantAuthnRequestsSigned", "false")
	idp.CreateAttr("protocolSupportEnumeration", nsSAMLP)
	kd := idp.CreateElement("md:KeyDescriptor")
	kd.CreateAttr("use", "signing")
	kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").SetText(k.certBase64())
	idp.CreateElement("md:NameIDFormat").SetText(nameIDEmail)
	for _, b := range []string{bindingRedirect, bindingPOST} {
		s := idp.CreateElement("md:SingleSignOnService")
		s.CreateAttr("Binding", b)
		s.CreateAttr("Location", idpSAMLSSOURL(r))
	}
	doc.Indent(2)
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = doc.WriteTo(w)
}

// authnRequest is what the IdP needs of an SP's AuthnRequest.
type authnRequest struct {
	ID, ACS, Issuer string
	XML             []byte // the request as received (decoded, inflated)
}

var errBadAuthnRequest = errors.New("the SAMLRequest is missing or is not a SAML AuthnRequest with an ID and a loopback AssertionConsumerServiceURL")

// parseAuthnRequest decodes a SAMLRequest: base64, then raw DEFLATE when deflated (the
// HTTP-Redirect binding) or as is (HTTP-POST). The ACS URL must be on a loopback host: the
// emulated IdP only answers local SPs.
func parseAuthnRequest(raw string, deflated bool) (*authnRequest, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
	if err != nil || len(b) == 0 {
		return nil, errBadAuthnRequest
	}
	if deflated {
		if b, err = io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b)), 1<<16)); err != nil {
			return nil, errBadAuthnRequest
		}
	}
	if checkNoDTD(b) != nil {
		return nil, errBadAuthnRequest
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil || doc.Root() == nil || doc.Root().Tag != "AuthnRequest" {
		return nil, errBadAuthnRequest
	}
	root := doc.Root()
	req := &authnRequest{ID: root.SelectAttrValue("ID", ""), ACS: root.SelectAttrValue("AssertionConsumerServiceURL", ""), XML: b}
	if iss := root.FindElement("./Issuer"); iss != nil {
		req.Issuer = strings.TrimSpace(iss.Text())
	}
	u, err := url.Parse(req.ACS)
	if req.ID == "" || err != nil || !loopbackURL(u) {
		return nil, errBadAuthnRequest
	}
	return req, nil
}

// idpSAMLPage is the sign-in page, and then the auto-posting form to the SP.
type idpSAMLPage struct {
	Action, SAMLRequest, RelayState, SP string
	Email, Name, Groups, Error          string
	// The answer to the SP (the form that posts the Response).
	ACS, SAMLResponse string
}

var idpSAMLTmpl = idpTemplate("saml", `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .SAMLResponse}}Continue to the application{{else}}Sign in with SAML (emulated){{end}}</title><link rel="icon" href="data:,">
{{template "idp-style"}}</head>
<body>
<main data-testid="emulated-saml-idp">
{{if .SAMLResponse}}
<h1>Continue to the application</h1>
<form method="post" action="{{.ACS}}" data-testid="saml-post-form" id="saml-post-form">
<input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
<input type="hidden" name="RelayState" value="{{.RelayState}}">
<p class="hint">Signed in. Your browser posts this answer to the application; if nothing happens, press Continue.</p>
<button type="submit" data-testid="saml-continue">Continue</button>
</form>
<script>document.getElementById("saml-post-form").submit()</script>
{{else}}
<h1>Sign in with SAML (emulated)</h1>
<p class="hint">This page stands in for your company's identity provider: nothing leaves this machine. Type the account to sign in to {{.SP}} with.</p>
{{if .Error}}<p class="error" role="alert" data-testid="idp-error">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}" data-testid="idp-form">
<input type="hidden" name="SAMLRequest" value="{{.SAMLRequest}}">
<input type="hidden" name="RelayState" value="{{.RelayState}}">
<label for="email">Email</label>
<input id="email" name="email" type="email" required autocomplete="email" value="{{.Email}}">
<label for="name">Name (optional)</label>
<input id="name" name="name" autocomplete="name" value="{{.Name}}">
<label for="groups">Groups (optional, comma-separated)</label>
<input id="groups" name="groups" value="{{.Groups}}">
<button type="submit">Sign in</button>
</form>
{{end}}
</main>
</body>
</html>
`)

// GET /idp/saml/sso?SAMLRequest=…&RelayState=… (HTTP-Redirect binding): the sign-in page.
func (e *Emulator) idpSAMLShow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, err := parseAuthnRequest(q.Get("SAMLRequest"), true)
	if err != nil {
		http.Error(w, "SAML sign-in (emulated): "+err.Error()+".", http.StatusBadRequest)
		return
	}
	e.renderIDPSAML(w, http.StatusOK, idpSAMLPage{Action: idpSAMLSSOURL(r), SAMLRequest: base64.StdEncoding.EncodeToString(req.XML),
		RelayState: q.Get("RelayState"), SP: hostOf(req.ACS)})
}

// POST /idp/saml/sso: without email, an AuthnRequest by the HTTP-POST binding (the page);
// with email, the page's submission: the signed Response, posted on to the ACS.
func (e *Emulator) idpSAMLSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	req, err := parseAuthnRequest(r.PostFormValue("SAMLRequest"), false)
	if err != nil {
		http.Error(w, "SAML sign-in (emulated): "+err.Error()+".", http.StatusBadRequest)
		return
	}
	page := idpSAMLPage{Action: idpSAMLSSOURL(r), SAMLRequest: base64.StdEncoding.EncodeToString(req.XML),
		RelayState: r.PostFormValue("RelayState"), SP: hostOf(req.ACS),
		Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Groups: r.PostFormValue("groups")}
	if _, ok := r.PostForm["email"]; !ok {
		e.renderIDPSAML(w, http.StatusOK, page)
		return
	}
	email, err := normalizeEmail(page.Email)
	if err != nil {
		page.Error = "Enter a valid email address."
		e.renderIDPSAML(w, http.StatusUnprocessableEntity, page)
		return
	}
	k, err := e.idpSigningKey(r.Context())
	if err != nil {
		e.idpFail(w, err)
		return
	}
	audience := req.Issuer
	if audience == "" {
		audience = req.ACS
	}
	xml, err := signedSAMLResponse(k, samlAssertion{Issuer: idpSAMLEntityID(r), Destination: req.ACS, Audience: audience,
		InResponseTo: req.ID, Email: email, Name: strings.TrimSpace(page.Name), Groups: splitGroups(page.Groups), Now: e.now()})
	if err != nil {
		e.idpFail(w, err)
		return
	}
	e.renderIDPSAML(w, http.StatusOK, idpSAMLPage{ACS: req.ACS, RelayState: page.RelayState, SAMLResponse: base64.StdEncoding.EncodeToString(xml)})
}

func splitGroups(s string) []string {
	var out []string
	for _, g := range strings.Split(s, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

func (e *Emulator) renderIDPSAML(w http.ResponseWriter, status int, page idpSAMLPage) {
	e.renderIdPPage(w, status, idpSAMLTmpl, page)
}

func (e *Emulator) idpFail(w http.ResponseWriter, err error) {
	e.log.Error("emulator identity provider", "err", err)
	http.Error(w, "emulated identity provider unavailable", http.StatusInternalServerError)
}

// samlAssertion is what the emulated IdP asserts.
type samlAssertion struct {
	Issuer, Destination, Audience, InResponseTo string
	Email, Name                                 string
	Groups                                      []string
	Now                                         time.Time
}

func samlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// signedSAMLResponse builds a Response with one Assertion signed enveloped (RSA-SHA256,
// exclusive C14N, the certificate in KeyInfo), its Signature right after its Issuer.
func signedSAMLResponse(k *idpKey, a samlAssertion) ([]byte, error) {
	now, until := samlTime(a.Now), samlTime(a.Now.Add(idpAssertionTTL))
	as := etree.NewElement("saml:Assertion")
	as.CreateAttr("xmlns:saml", nsSAML)
	as.CreateAttr("ID", "id-"+strings.ReplaceAll(newUUID(), "-", ""))
	as.CreateAttr("Version", "2.0")
	as.CreateAttr("IssueInstant", now)
	as.CreateElement("saml:Issuer").SetText(a.Issuer)
	subj := as.CreateElement("saml:Subject")
	nameID := subj.CreateElement("saml:NameID")
	nameID.CreateAttr("Format", nameIDEmail)
	nameID.SetText(a.Email)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	if a.InResponseTo != "" {
		scd.CreateAttr("InResponseTo", a.InResponseTo)
	}
	scd.CreateAttr("NotOnOrAfter", until)
	scd.CreateAttr("Recipient", a.Destination)
	cond := as.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", samlTime(a.Now.Add(-30*time.Second)))
	cond.CreateAttr("NotOnOrAfter", until)
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(a.Audience)
	authn := as.CreateElement("saml:AuthnStatement")
	authn.CreateAttr("AuthnInstant", now)
	authn.CreateAttr("SessionIndex", "session-"+newUUID())
	authn.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	attrs := as.CreateElement("saml:AttributeStatement")
	first, last, _ := strings.Cut(a.Name, " ")
	for _, at := range []struct {
		name   string
		values []string
	}{{"email", []string{a.Email}}, {"name", []string{a.Name}}, {"firstName", []string{first}}, {"lastName", []string{last}}, {"groups", a.Groups}} {
		if len(at.values) == 0 || at.values[0] == "" {
			continue
		}
		attr := attrs.CreateElement("saml:Attribute")
		attr.CreateAttr("Name", at.name)
		attr.CreateAttr("NameFormat", "urn:oasis:names:tc:SAML:2.0:attrname-format:basic")
		for _, v := range at.values {
			attr.CreateElement("saml:AttributeValue").SetText(v)
		}
	}
	signed, err := signEnveloped(k, as)
	if err != nil {
		return nil, err
	}

	doc := etree.NewDocument()
	resp := doc.CreateElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", nsSAMLP)
	resp.CreateAttr("xmlns:saml", nsSAML)
	resp.CreateAttr("ID", "id-"+strings.ReplaceAll(newUUID(), "-", ""))
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", now)
	resp.CreateAttr("Destination", a.Destination)
	if a.InResponseTo != "" {
		resp.CreateAttr("InResponseTo", a.InResponseTo)
	}
	resp.CreateElement("saml:Issuer").SetText(a.Issuer)
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", statusSuccess)
	resp.AddChild(signed)
	return doc.WriteToBytes()
}

// signEnveloped signs el (RSA-SHA256, exclusive C14N) and moves the Signature right after
// el's Issuer, where the SAML schema puts it.
func signEnveloped(k *idpKey, el *etree.Element) (*etree.Element, error) {
	ctx, err := dsig.NewSigningContext(k.priv, [][]byte{k.cert.Raw})
	if err != nil {
		return nil, err
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, err
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		return nil, err
	}
	sig := signed.Child[len(signed.Child)-1]
	signed.RemoveChildAt(len(signed.Child) - 1)
	signed.InsertChildAt(1, sig) // after Issuer (the first child)
	return signed, nil
}
