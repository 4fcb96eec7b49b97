package main

// The adapters register themselves with support.Register; the CLI opens
// them by name with support.Open.
import (
	_ "github.com/deskbridge/deskbridge/adapters/respondio"
	_ "github.com/deskbridge/deskbridge/adapters/tidio"
	_ "github.com/deskbridge/deskbridge/adapters/tidysupport"
)
