package cmd

import (
	"fmt"

	"github.com/spf13/cobra"
)

// NewCmdVersion builds `version`: the version, commit and build date set by
// the linker.
func NewCmdVersion(deps Deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of " + deps.name(),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := deps.Build
			_, err := fmt.Fprintf(deps.Streams.Out, "%s %s (commit %s, built %s)\n", binary(deps.name()), b.Version, b.Commit, b.Date)
			return err
		},
	}
}
