package certauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
)

// verifyECDSA accepts SHA-256 (what `openssl dgst -sha256` uses with any
// curve) and the hash that matches the curve's size (what WebCrypto and
// most tokens use), in DER or raw r‖s encoding.
func verifyECDSA(k *ecdsa.PublicKey, message, signature []byte) bool {
	digests := [][]byte{sum256(message)}
	switch k.Curve {
	case elliptic.P384():
		d := sha512.Sum384(message)
		digests = append(digests, d[:])
	case elliptic.P521():
		d := sha512.Sum512(message)
		digests = append(digests, d[:])
	}
	size := (k.Curve.Params().BitSize + 7) / 8
	for _, d := range digests {
		if ecdsa.VerifyASN1(k, d, signature) {
			return true
		}
		if len(signature) == 2*size {
			r := new(big.Int).SetBytes(signature[:size])
			s := new(big.Int).SetBytes(signature[size:])
			if ecdsa.Verify(k, d, r, s) {
				return true
			}
		}
	}
	return false
}

func sum256(b []byte) []byte {
	d := sha256.Sum256(b)
	return d[:]
}
