package branding

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes a branding file into a fresh directory and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "branding.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadMissingFileGivesDefaults(t *testing.T) {
	cfg, _, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := *cfg, Default(); got != want {
		t.Errorf("config = %+v, want defaults %+v", got, want)
	}
}

func TestLoadEmptyFileGivesDefaults(t *testing.T) {
	cfg, _, err := Load(writeFile(t, ""))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if *cfg != Default() {
		t.Errorf("config = %+v, want defaults", *cfg)
	}
}

const fullFile = `
assistant:
  name: Amanda
  role: relationship coach
  tagline: Here for you
  description: "{assistant_name}, {role} ({credentials})"
  credentials: PhD
ui:
  page_title: "{assistant_name} | {tagline}"
  header_text: Talk to {assistant_name}
  welcome_message: Hi, I am {assistant_name}, your {role}.
  chat:
    assistant_label: "{assistant_name}, {credentials}"
    user_label: Me
    status:
      thinking: "{assistant_name} is thinking"
      speaking: speaking
      typing: typing
      listening: listening
      processing: processing
visual:
  logo:
    path: /img/amanda.svg
    alt_text: "{assistant_name}"
    width: 120
    height: 2.5rem
  colors:
    primary: "#111111"
    secondary: "#222222"
    accent: "#333333"
    gradient: "linear-gradient(#111111, #222222)"
    text_primary: "#444444"
    text_secondary: "#555555"
    text_light: "#666666"
  favicon: /img/favicon.png
features:
  voice_chat_enabled: false
  risk_assessment_enabled: true
  transcripts_enabled: false
  admin_dashboard_enabled: false
`

func TestLoadFullFile(t *testing.T) {
	cfg, _, err := Load(writeFile(t, fullFile))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		Assistant: Assistant{
			Name:        "Amanda",
			Role:        "relationship coach",
			Tagline:     "Here for you",
			Description: "{assistant_name}, {role} ({credentials})",
			Credentials: "PhD",
		},
		UI: UI{
			PageTitle:      "{assistant_name} | {tagline}",
			HeaderText:     "Talk to {assistant_name}",
			WelcomeMessage: "Hi, I am {assistant_name}, your {role}.",
			Chat: Chat{
				AssistantLabel: "{assistant_name}, {credentials}",
				UserLabel:      "Me",
				Status: Status{
					Thinking:   "{assistant_name} is thinking",
					Speaking:   "speaking",
					Typing:     "typing",
					Listening:  "listening",
					Processing: "processing",
				},
			},
		},
		Visual: Visual{
			Logo: Logo{
				Path:    "/img/amanda.svg",
				AltText: "{assistant_name}",
				Width:   Size{value: 120},
				Height:  Size{value: "2.5rem"},
			},
			Colors: Colors{
				Primary:       "#111111",
				Secondary:     "#222222",
				Accent:        "#333333",
				Gradient:      "linear-gradient(#111111, #222222)",
				TextPrimary:   "#444444",
				TextSecondary: "#555555",
				TextLight:     "#666666",
			},
			Favicon: "/img/favicon.png",
		},
		Features: Features{RiskAssessmentEnabled: true},
	}
	if *cfg != want {
		t.Errorf("config =\n%+v\nwant\n%+v", *cfg, want)
	}
}

func TestLoadPartialFileKeepsDefaultsForMissingKeys(t *testing.T) {
	cfg, _, err := Load(writeFile(t, `
assistant:
  name: Amanda
ui:
  chat:
    status:
      thinking: Hmm...
  header_text:
visual:
  logo:
    width: "64px"
features:
  voice_chat_enabled: false
`))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Default()
	want.Assistant.Name = "Amanda"
	want.UI.Chat.Status.Thinking = "Hmm..."
	want.Visual.Logo.Width = Size{value: "64px"}
	want.Features.VoiceChatEnabled = false
	if *cfg != want {
		t.Errorf("config =\n%+v\nwant\n%+v", *cfg, want)
	}
}

func TestLoadRejectsBrokenFiles(t *testing.T) {
	for name, content := range map[string]string{
		"syntax":        "assistant: [name: Amanda\n",
		"wrong type":    "assistant: Amanda\n",
		"feature value": "features:\n  voice_chat_enabled: maybe\n",
		"size mapping":  "visual:\n  logo:\n    width: {px: 3}\n",
		"size infinite": "visual:\n  logo:\n    width: .inf\n",
		"not a mapping": "- assistant\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := Load(writeFile(t, content))
			if err == nil || !strings.HasPrefix(err.Error(), "branding: unable to parse") {
				t.Errorf("Load error = %v, want a parse error", err)
			}
		})
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	// A directory exists but cannot be read as a file.
	if _, _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of a directory succeeded, want an error")
	}
}
