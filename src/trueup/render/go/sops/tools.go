//go:build tools

// Package tools pins the sops command that trueup builds from this module.
package tools

import (
	_ "filippo.io/age/cmd/age-keygen"
	_ "github.com/getsops/sops/v3/cmd/sops"
)
