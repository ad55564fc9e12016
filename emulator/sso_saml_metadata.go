package emulator

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"

	"github.com/beevik/etree"
)

// SAML IdP metadata: what "update from the metadata URL" reads, and the XML guards the
// callback shares.

func metadataURLOf(body []byte) string {
	var req struct {
		MetadataURL string `json:"metadata_url"`
	}
	_ = json.Unmarshal(body, &req)
	return req.MetadataURL
}

// PUT /v1/b2b/sso/saml/{organization_id}/connections/{connection_id}/url: the IdP's
// metadata (fetched by fetchFirst) sets idp_entity_id, idp_sso_url and a verification
// certificate; attribute_mapping is never inferred.
func (e *Emulator) samlUpdateByURL(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var body struct {
		MetadataURL string `json:"metadata_url"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	// Authorize and find the connection before looking at the fetch's outcome.
	o, err := e.ssoCaller(ctx, tx, r, "update")
	if err != nil {
		return nil, err
	}
	if _, err := orgConn(ctx, tx, o, r.PathValue("connection_id"), "saml", errSAMLConnNotFound); err != nil {
		return nil, err
	}
	f := fetchedFrom(r)
	if f.Absent || f.Err != nil {
		return nil, errMetadataURL
	}
	md, err := parseIdPMetadata(f.Body)
	if err != nil {
		return nil, err
	}
	return e.applySAMLUpdate(ctx, tx, r, &samlUpdateRequest{IdpEntityID: md.EntityID, IdpSSOURL: md.SSOURL, X509Certificate: md.CertPEM})
}

// idpMetadata is what a SAML IdP's metadata tells an SP.
type idpMetadata struct {
	EntityID, SSOURL, CertPEM string
}

// parseIdPMetadata reads an EntityDescriptor (or the first of an EntitiesDescriptor): its
// entityID, the HTTP-Redirect (else HTTP-POST) SingleSignOnService, and the first signing
// certificate.
func parseIdPMetadata(body []byte) (*idpMetadata, error) {
	doc := etree.NewDocument()
	if err := checkNoDTD(body); err != nil {
		return nil, errMetadataXML
	}
	if err := doc.ReadFromBytes(body); err != nil || doc.Root() == nil {
		return nil, errMetadataXML
	}
	ed := doc.Root()
	if ed.Tag == "EntitiesDescriptor" {
		ed = ed.FindElement("./EntityDescriptor")
	}
	if ed == nil || ed.Tag != "EntityDescriptor" {
		return nil, errMetadataFormat
	}
	md := &idpMetadata{EntityID: ed.SelectAttrValue("entityID", "")}
	idp := ed.FindElement("./IDPSSODescriptor")
	if idp == nil || md.EntityID == "" {
		return nil, errMetadataFormat
	}
	for _, binding := range []string{bindingRedirect, bindingPOST} {
		for _, s := range idp.FindElements("./SingleSignOnService") {
			if md.SSOURL == "" && s.SelectAttrValue("Binding", "") == binding {
				md.SSOURL = s.SelectAttrValue("Location", "")
			}
		}
	}
	for _, kd := range idp.FindElements("./KeyDescriptor") {
		if use := kd.SelectAttrValue("use", "signing"); use != "signing" || md.CertPEM != "" {
			continue
		}
		if el := kd.FindElement(".//X509Certificate"); el != nil {
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(el.Text()), ""))
			if err != nil {
				return nil, errMetadataFormat
			}
			md.CertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
		}
	}
	if md.SSOURL == "" || md.CertPEM == "" {
		return nil, errMetadataFormat
	}
	return md, nil
}

// checkNoDTD refuses XML with a document type declaration (no entities, no XXE).
func checkNoDTD(b []byte) error {
	if bytes.Contains(b, []byte("<!DOCTYPE")) || bytes.Contains(b, []byte("<!ENTITY")) {
		return fmt.Errorf("xml with a DTD")
	}
	return nil
}

const (
	bindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	bindingPOST     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
)
