package emulator_test

// Checked against implementations nobody here wrote: crewjam/saml's ServiceProvider accepts
// the emulated SAML IdP's Response; crewjam/saml's IdentityProvider (its own key) is
// accepted by the emulator's ACS and refused when tampered with, replayed, expired or for
// another audience; coreos/go-oidc (with x/oauth2) passes against the emulated OpenID Provider.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso"
	ssosaml "github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/saml"
	"golang.org/x/oauth2"
)

func TestIndependentSPAcceptsEmulatedSAMLIdP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := http.Get(e.srv.URL + "/idp/saml/metadata")
	mustOK(t, err)
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	md, err := samlsp.ParseMetadata(body.Bytes())
	mustOK(t, err)
	key, cert := testKeyPair(t)
	acs, _ := url.Parse("http://localhost:9/sp/acs")
	meta, _ := url.Parse("http://localhost:9/sp/metadata")
	sp := &saml.ServiceProvider{EntityID: meta.String(), Key: key, Certificate: cert, AcsURL: *acs, MetadataURL: *meta, IDPMetadata: md}
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	mustOK(t, err)
	redirect, err := req.Redirect("relay-1", sp)
	mustOK(t, err)
	post, form := e.samlIdPPost(redirect.String(), url.Values{"email": {"ada@acme.com"}, "name": {"Ada Lovelace"}, "groups": {"eng,admins"}})
	if post != acs.String() || form.Get("RelayState") != "relay-1" {
		t.Fatalf("post to %s with %v", post, form)
	}
	xml, err := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	mustOK(t, err)
	a, err := sp.ParseXMLResponse(xml, []string{req.ID}, *acs)
	if err != nil {
		t.Fatalf("crewjam/saml refused the emulated IdP's Response: %v (%+v)", err, err)
	}
	attrs := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				attrs[at.Name] = append(attrs[at.Name], v.Value)
			}
		}
	}
	if a.Subject.NameID.Value != "ada@acme.com" || attrs["email"][0] != "ada@acme.com" || attrs["name"][0] != "Ada Lovelace" || len(attrs["groups"]) != 2 {
		t.Fatalf("assertion: NameID %q, attributes %v", a.Subject.NameID.Value, attrs)
	}
	// Another SP's request ID: the independent SP refuses it too.
	if _, err := sp.ParseXMLResponse(xml, []string{"id-other"}, *acs); err == nil {
		t.Fatal("crewjam/saml accepted a Response to another request")
	}
}

// spProvider serves one SP's metadata to crewjam's IdP, whatever the requested ID.
type spProvider struct{ md *saml.EntityDescriptor }

func (p spProvider) GetServiceProvider(*http.Request, string) (*saml.EntityDescriptor, error) {
	return p.md, nil
}

// crewjamIdP is crewjam/saml's IdentityProvider with its own key, configured on connection c.
type crewjamIdP struct {
	e   *env
	idp *saml.IdentityProvider
	c   *sso.SAMLConnection
}

func newCrewjamIdP(t *testing.T, e *env, orgID string, audience string) *crewjamIdP {
	t.Helper()
	created, err := e.client.SSO.SAML.CreateConnection(e.ctx, &ssosaml.CreateConnectionParams{OrganizationID: orgID, DisplayName: "crewjam"})
	mustOK(t, err)
	c := created.Connection
	key, cert := testKeyPair(t)
	meta, _ := url.Parse("https://crewjam-idp.example/metadata")
	ssoURL, _ := url.Parse("https://crewjam-idp.example/sso")
	if audience == "" {
		audience = c.AudienceURI
	}
	spMD := &saml.EntityDescriptor{EntityID: audience, SPSSODescriptors: []saml.SPSSODescriptor{{
		SSODescriptor:             saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol"}},
		AssertionConsumerServices: []saml.IndexedEndpoint{{Binding: saml.HTTPPostBinding, Location: c.AcsURL, Index: 1}},
	}}}
	idp := &saml.IdentityProvider{Key: key, Certificate: cert, MetadataURL: *meta, SSOURL: *ssoURL,
		ServiceProviderProvider: spProvider{spMD}, SignatureMethod: dsig.RSASHA256SignatureMethod}
	up, err := e.client.SSO.SAML.UpdateConnection(e.ctx, &ssosaml.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: c.ConnectionID,
		IdpEntityID: meta.String(), IdpSSOURL: ssoURL.String(), X509Certificate: certPEM(cert),
		AttributeMapping: map[string]any{"email": "NameID", "full_name": "urn:oid:2.5.4.3"}})
	mustOK(t, err)
	if up.Connection.Status != "active" {
		t.Fatalf("connection = %+v", up.Connection)
	}
	return &crewjamIdP{e: e, idp: idp, c: up.Connection}
}

// respond starts an SSO sign-in on the emulator, lets crewjam's IdP answer the AuthnRequest
// for email, and returns the ACS and the form the browser would post there.
func (p *crewjamIdP) respond(t *testing.T, email string) (string, url.Values) {
	t.Helper()
	loc := p.e.ssoStartHop(url.Values{"connection_id": {p.c.ConnectionID}})
	p.idp.Clock = dsig.NewFakeClockAt(p.e.emu.Now()) // crewjam on the emulator's clock
	r := httptest.NewRequest(http.MethodGet, loc, nil)
	req, err := saml.NewIdpAuthnRequest(p.idp, r)
	mustOK(t, err)
	mustOK(t, req.Validate())
	now := p.e.emu.Now()
	session := &saml.Session{ID: "s-" + email, CreateTime: now, ExpireTime: now.Add(time.Hour), Index: "1",
		NameID: email, NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", UserEmail: email, UserCommonName: "Grace Hopper"}
	mustOK(t, saml.DefaultAssertionMaker{}.MakeAssertion(req, session))
	mustOK(t, req.MakeResponse())
	doc := etree.NewDocument()
	doc.SetRoot(req.ResponseEl)
	xml, err := doc.WriteToBytes()
	mustOK(t, err)
	return req.ACSEndpoint.Location, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(xml)}, "RelayState": {req.RelayState}}
}

func TestIndependentSAMLIdPAcceptedByACS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	p := newCrewjamIdP(t, e, orgID, "")
	post := func(acs string, f url.Values) (int, string) {
		status, _, body := hop(t, http.MethodPost, acs, f)
		return status, errorType(body)
	}

	acs, form := p.respond(t, "grace@acme.com")
	xml, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	// One byte of the signed assertion changed: refused.
	i := bytes.Index(xml, []byte("grace@acme.com"))
	tampered := bytes.Clone(xml)
	tampered[i] = 'G'
	f := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(tampered)}, "RelayState": form["RelayState"]}
	if status, typ := post(acs, f); status != 400 || typ != "invalid_signature_saml_response" {
		t.Fatalf("tampered: %d %s", status, typ)
	}
	// A comment inside the signed NameID (dropped by the canonicalization, so the signature
	// still holds, but it would cut the address short): refused.
	commented := bytes.Replace(xml, []byte(">grace@acme.com<"), []byte(">grace@acme.com<!---->.evil.example<"), 1)
	f = url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(commented)}, "RelayState": form["RelayState"]}
	if status, typ := post(acs, f); status != 400 || typ != "invalid_xml_saml_response" {
		t.Fatalf("comment: %d %s", status, typ)
	}
	// The genuine one is accepted and signs Grace in.
	back := e.postACS(acs, form)
	resp, err := e.client.SSO.Authenticate(e.ctx, &sso.AuthenticateParams{SSOToken: back.Query().Get("token")})
	mustOK(t, err)
	if resp.Member.EmailAddress != "grace@acme.com" || resp.Member.Name != "Grace Hopper" || !resp.MemberAuthenticated {
		t.Fatalf("resp = %+v", resp)
	}
	// Replayed: refused.
	if status, typ := post(acs, form); status != 400 || typ != "duplicate_saml_response" {
		t.Fatalf("replay: %d %s", status, typ)
	}
	// Only the assertion signed (crewjam signs both; its Response signature removed): accepted.
	acs, form = p.respond(t, "grace@acme.com")
	xml, _ = base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	doc := etree.NewDocument()
	mustOK(t, doc.ReadFromBytes(xml))
	doc.Root().RemoveChild(doc.Root().SelectElement("Signature"))
	unsigned, _ := doc.WriteToBytes()
	e.postACS(acs, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(unsigned)}, "RelayState": form["RelayState"]})
	// Expired: posted 10 minutes late (crewjam's assertions last 5 minutes, plus 3 of skew).
	acs, form = p.respond(t, "grace@acme.com")
	e.emu.Advance(10 * time.Minute)
	if status, typ := post(acs, form); status != 400 || typ != "expired_saml_response" {
		t.Fatalf("expired: %d %s", status, typ)
	}
	// Signed by a key the connection doesn't trust: refused.
	impostor := *p.idp
	impostor.Key, impostor.Certificate = testKeyPair(t)
	other := &crewjamIdP{e: e, idp: &impostor, c: p.c}
	acs, form = other.respond(t, "grace@acme.com")
	if status, typ := post(acs, form); status != 400 || typ != "invalid_signature_saml_response" {
		t.Fatalf("untrusted key: %d %s", status, typ)
	}
}

func TestIndependentSAMLIdPWrongAudience(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	p := newCrewjamIdP(t, e, orgID, "https://another-sp.example/metadata")
	acs, form := p.respond(t, "grace@acme.com")
	status, _, body := hop(t, http.MethodPost, acs, form)
	if status != 400 || errorType(body) != "invalid_audience_saml_response" {
		t.Fatalf("wrong audience: %d %s", status, body)
	}
}

func TestIndependentOIDCRelyingParty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := oidc.ClientContext(e.ctx, http.DefaultClient)
	provider, err := oidc.NewProvider(ctx, e.srv.URL+"/idp/oidc")
	mustOK(t, err)
	conf := oauth2.Config{ClientID: emulatorDevClientID, ClientSecret: emulatorDevClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: "http://localhost:9/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	verifier := oauth2.GenerateVerifier()
	sum := sha256.Sum256([]byte(e.srv.URL))
	nonce, state := hex.EncodeToString(sum[:8]), "state-1"
	authURL := conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	status, _, body := hop(t, http.MethodGet, authURL, nil)
	if status != http.StatusOK {
		t.Fatalf("authorize: %d %s", status, body)
	}
	action, form := formOf(t, body)
	form.Set("email", "ada@acme.com")
	form.Set("name", "Ada Lovelace")
	status, loc, _ := hop(t, http.MethodPost, action, form)
	back, err := url.Parse(loc)
	mustOK(t, err)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, conf.RedirectURL+"?") || back.Query().Get("state") != state {
		t.Fatalf("back: %d %s", status, loc)
	}
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	mustOK(t, err)
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: emulatorDevClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("go-oidc refused the id_token: %v", err)
	}
	var claims struct {
		Email    string `json:"email"`
		Verified bool   `json:"email_verified"`
	}
	mustOK(t, idt.Claims(&claims))
	if idt.Nonce != nonce || claims.Email != "ada@acme.com" || !claims.Verified {
		t.Fatalf("id_token: nonce %q, claims %+v", idt.Nonce, claims)
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	mustOK(t, err)
	if info.Subject != idt.Subject || info.Email != "ada@acme.com" {
		t.Fatalf("userinfo = %+v", info)
	}
	// The code is single use, and another client's audience fails verification.
	if _, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("a spent code was exchanged again")
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: "another-client"}).Verify(ctx, raw); err == nil {
		t.Fatal("go-oidc accepted an id_token for another client")
	}
}
