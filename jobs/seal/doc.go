// Package seal encrypts single secret fields of a record at rest with
// AES-256-GCM (NIST SP 800-38D), under a keyring that allows rotation.
//
// A sealed value is text, so it fits any JSON string field:
//
//	sealed:v1:<key id>:<base64url(nonce | ciphertext | tag)>
//
// The first key of a Keyring seals; every key it lists opens. Rotating
// means putting a new key first and keeping the old ones listed until
// every record has been written again.
//
// Each value is sealed with additional authenticated data (aad) naming
// the record and field it belongs to, such as "tenant:acme:webhook.secret":
// a sealed value copied into another record or field does not open.
package seal
