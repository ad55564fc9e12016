package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// idpKey is the emulated identity providers' signing key (SAML Responses, OIDC id_tokens):
// RSA-2048 with a self-signed certificate, generated on first use and kept in the kv table.
type idpKey struct {
	kid  string
	priv *rsa.PrivateKey
	cert *x509.Certificate
}

// idpSigningKey returns the identity providers' key, creating it once. It takes the state
// lock: never call it while holding it.
func (e *Emulator) idpSigningKey(ctx context.Context) (*idpKey, error) {
	e.idpMu.Lock()
	defer e.idpMu.Unlock()
	if e.idpKey != nil {
		return e.idpKey, nil
	}
	var k *idpKey
	err := e.tx(ctx, func(tx *sql.Tx) error {
		var err error
		k, err = loadOrCreateIdPKey(ctx, tx, e.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	e.idpKey = k
	return k, nil
}

func loadOrCreateIdPKey(ctx context.Context, q querier, now time.Time) (*idpKey, error) {
	keyPEM, ok, err := getKV(ctx, q, "idp_private_key")
	if err != nil {
		return nil, err
	}
	certPEM, _, err := getKV(ctx, q, "idp_cert")
	if err != nil {
		return nil, err
	}
	if ok {
		kb, _ := pem.Decode([]byte(keyPEM))
		cb, _ := pem.Decode([]byte(certPEM))
		if kb == nil || cb == nil {
			return nil, errors.New("emulator: stored identity provider key is not PEM")
		}
		priv, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("emulator: parse identity provider key: %w", err)
		}
		cert, err := x509.ParseCertificate(cb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("emulator: parse identity provider certificate: %w", err)
		}
		return newIdPKey(priv, cert), nil
	}
	priv, cert, err := newSelfSigned("Stytch emulator identity provider", now)
	if err != nil {
		return nil, err
	}
	if err := putKV(ctx, q, "idp_private_key", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)}))); err != nil {
		return nil, err
	}
	if err := putKV(ctx, q, "idp_cert", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))); err != nil {
		return nil, err
	}
	return newIdPKey(priv, cert), nil
}

func newIdPKey(priv *rsa.PrivateKey, cert *x509.Certificate) *idpKey {
	sum := sha256.Sum256(cert.Raw)
	return &idpKey{kid: "idp-key-" + hex.EncodeToString(sum[:8]), priv: priv, cert: cert}
}

// newSelfSigned makes an RSA-2048 key and a 10-year self-signed certificate for it.
func newSelfSigned(cn string, now time.Time) (*rsa.PrivateKey, *x509.Certificate, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("emulator: generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Stytch emulator"}},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, nil, fmt.Errorf("emulator: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return priv, cert, err
}

// certPEM is the certificate as PEM, as a connection's x509_certificate takes it.
func (k *idpKey) certPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.cert.Raw}))
}

// certBase64 is the certificate as metadata and KeyInfo carry it.
func (k *idpKey) certBase64() string { return base64.StdEncoding.EncodeToString(k.cert.Raw) }

// jwk is the public key as a JSON Web Key.
func (k *idpKey) jwk() map[string]any {
	return map[string]any{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.kid,
		"n":   base64.RawURLEncoding.EncodeToString(k.priv.PublicKey.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.PublicKey.E)).Bytes()),
		"x5c": []string{k.certBase64()},
	}
}
