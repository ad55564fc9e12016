package emulator

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// ensureCert gives the signing key a self-signed X.509 certificate, generated once and kept in
// the kv table, so the JWK can carry x5c and its SHA-256 thumbprint x5t_s256 like Stytch's.
func ensureCert(ctx context.Context, db querier, k *signingKey) error {
	pemText, ok, err := getKV(ctx, db, "jwt_cert")
	if err != nil {
		return err
	}
	if ok {
		if block, _ := pem.Decode([]byte(pemText)); block != nil {
			k.cert = block.Bytes
			return nil
		}
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: k.kid, Organization: []string{"Stytch emulator"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.priv.PublicKey, k.priv)
	if err != nil {
		return fmt.Errorf("emulator: create signing certificate: %w", err)
	}
	k.cert = der
	return putKV(ctx, db, "jwt_cert", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}

// x5c is the JWK certificate chain: the one self-signed certificate, standard base64 DER.
func (k *signingKey) x5c() []string {
	if k.cert == nil {
		return []string{}
	}
	return []string{base64.StdEncoding.EncodeToString(k.cert)}
}

// x5tS256 is the base64url SHA-256 thumbprint of the certificate ("" without one).
func (k *signingKey) x5tS256() string {
	if k.cert == nil {
		return ""
	}
	sum := sha256.Sum256(k.cert)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
