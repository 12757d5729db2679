package main

import (
	"github.com/spf13/cobra"

	"github.com/dnsquorum/dnsquorum/providers"
)

//go:generate sh -c "go run . schema > ../../dnsquorum.schema.json"

// schemaOptions are the parsed flags of `dnsquorum schema`.
type schemaOptions struct {
	IO *IO
}

func init() {
	subcommands = append(subcommands, func(f *Factory) *cobra.Command { return NewCmdSchema(f, nil) })
}

// NewCmdSchema builds `dnsquorum schema`. runF, when not nil, replaces
// schemaRun (tests of flag parsing).
func NewCmdSchema(f *Factory, runF func(*schemaOptions) error) *cobra.Command {
	opts := &schemaOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the configuration file",
		Long: `Prints the JSON Schema (draft 2020-12) of the configuration file, generated
from dnsquorum's types and every built-in provider type's settings. The same
schema is kept in the repository as dnsquorum.schema.json; editors using
yaml-language-server validate and complete the file when it starts with

  # yaml-language-server: $schema=./dnsquorum.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return schemaRun(opts)
		},
	}
	return cmd
}

func schemaRun(opts *schemaOptions) error {
	out, err := providers.Schema()
	if err != nil {
		return err
	}
	_, err = opts.IO.Out.Write(out)
	return err
}
