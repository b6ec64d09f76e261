package gateway

import (
	"context"
	"fmt"
	"io"

	"github.com/openhotline/hotline/routing"
)

// demoAccounts are created on embedded defaults so that a first run can be tried at once.
var demoAccounts = []routing.Advocate{
	{ID: "ana", Name: "Ana (English)", Role: routing.RoleAdvocate, Languages: []string{"en"},
		Channels: []routing.Channel{routing.Voice, routing.SMS, routing.Chat, routing.Email}, TextCapacity: 3,
		VoiceEndpoint: "client:ana"},
	{ID: "beto", Name: "Beto (English/Español)", Role: routing.RoleAdvocate, Languages: []string{"en", "es"},
		Channels: []routing.Channel{routing.Voice, routing.SMS, routing.Chat, routing.Email}, Skills: []string{"relay"},
		TextCapacity: 3, VoiceEndpoint: "client:beto"},
	{ID: "cruz", Name: "Cruz (Español)", Role: routing.RoleAdvocate, Languages: []string{"es"},
		Channels: []routing.Channel{routing.Voice, routing.SMS, routing.Chat, routing.Email}, TextCapacity: 3,
		VoiceEndpoint: "client:cruz"},
	{ID: "sam", Name: "Sam (Supervisor)", Role: routing.RoleSupervisor, Languages: []string{"en", "es"},
		Channels: []routing.Channel{routing.SMS, routing.Chat, routing.Email}, TextCapacity: 2, VoiceEndpoint: "client:sam"},
	// The admin manages accounts at /admin: on the embedded default the CLI needs a running serve.
	{ID: "ada", Name: "Ada (Admin)", Role: routing.RoleAdmin, Languages: []string{"en", "es"}},
}

// createDemoAccounts (re)creates the demo accounts with fresh random passwords and prints them
// to out: the console, never the JSON log.
func (s *Server) createDemoAccounts(ctx context.Context, out io.Writer) error {
	fmt.Fprintf(out, "\nDemo accounts (sign in at %s/login):\n", s.cfg.HTTP.PublicURL)
	for _, a := range demoAccounts {
		pw := GeneratePassword()
		err := s.accounts.Create(ctx, a, pw)
		if routing.ErrorCode(err) == routing.EConflict {
			err = s.accounts.SetPassword(ctx, a.ID, pw)
		}
		if err != nil {
			return fmt.Errorf("gateway: demo account %s: %w", a.ID, err)
		}
		fmt.Fprintf(out, "  %-6s %-11s %-24s password: %s\n", a.ID, a.Role, a.Name, pw)
	}
	fmt.Fprintln(out)
	return nil
}
