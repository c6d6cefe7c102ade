package registry

import (
	"github.com/google/go-containerregistry/pkg/authn"
)

// Keychain resolves credentials from the docker-compatible file AuthFile
// names (explicit first), for the image library's pulls and pushes. A
// registry without an entry is anonymous.
func Keychain(explicit string) authn.Keychain {
	return fileKeychain{file: AuthFile(explicit)}
}

type fileKeychain struct{ file string }

func (k fileKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	cred, ok, err := GetLogin(k.file, r.RegistryStr())
	if err != nil {
		return nil, err
	}
	if !ok {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(authn.AuthConfig{Username: cred.Username, Password: cred.Password}), nil
}
