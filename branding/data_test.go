package branding

import (
	"encoding/json"
	"testing"
)

func TestDataOfDefaults(t *testing.T) {
	cfg := Default()
	raw, err := json.Marshal(cfg.Data())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"assistant":{"name":"Assistant","tagline":"Your AI Companion",` +
		`"description":"Assistant is an AI companion here to listen and help."},` +
		`"ui":{"pageTitle":"Assistant - Your AI Companion","headerText":"Assistant",` +
		`"welcomeMessage":"Hello, I'm Assistant. How can I help you today?",` +
		`"chat":{"assistantLabel":"Assistant","userLabel":"You","status":{"thinking":"Thinking...",` +
		`"speaking":"Speaking...","typing":"Typing...","listening":"Listening...","processing":"Processing..."}}},` +
		`"visual":{"logo":{"path":"/static/images/logo.png","altText":"Assistant logo","width":40,"height":40},` +
		`"colors":{"primary":"#4F46E5","secondary":"#7C3AED","accent":"#EC4899",` +
		`"gradient":"linear-gradient(135deg, #4F46E5 0%, #7C3AED 100%)","textPrimary":"#1F2937",` +
		`"textSecondary":"#6B7280","textLight":"#FFFFFF"},"favicon":"/static/images/favicon.ico"},` +
		`"features":{"voiceChatEnabled":true,"riskAssessmentEnabled":true,"transcriptsEnabled":true,` +
		`"adminDashboardEnabled":true}}`
	if string(raw) != want {
		t.Errorf("data =\n%s\nwant\n%s", raw, want)
	}
}

func TestDataReplacesPlaceholders(t *testing.T) {
	cfg, _, err := Load(writeFile(t, fullFile))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	d := cfg.Data()
	for field, c := range map[string]struct{ got, want string }{
		"description":    {d.Assistant.Description, "Amanda, relationship coach (PhD)"},
		"pageTitle":      {d.UI.PageTitle, "Amanda | Here for you"},
		"headerText":     {d.UI.HeaderText, "Talk to Amanda"},
		"welcomeMessage": {d.UI.WelcomeMessage, "Hi, I am Amanda, your relationship coach."},
		"assistantLabel": {d.UI.Chat.AssistantLabel, "Amanda, PhD"},
		"thinking":       {d.UI.Chat.Status.Thinking, "Amanda is thinking"},
		"altText":        {d.Visual.Logo.AltText, "Amanda"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", field, c.got, c.want)
		}
	}
	if cfg.UI.PageTitle != "{assistant_name} | {tagline}" {
		t.Errorf("Data changed the config it was called on: pageTitle = %q", cfg.UI.PageTitle)
	}
}

func TestDataReplacesPlaceholdersOnce(t *testing.T) {
	cfg := Default()
	cfg.Assistant.Tagline = "{assistant_name}'s corner"
	cfg.Assistant.Name = "{role}"
	cfg.Assistant.Role = "coach"
	cfg.UI.PageTitle = "{tagline}"
	cfg.Visual.Logo.Width = Size{value: "{role}px"}
	d := cfg.Data()
	// Values are the raw ones, substituted in a single pass.
	if d.UI.PageTitle != "{assistant_name}'s corner" {
		t.Errorf("pageTitle = %q", d.UI.PageTitle)
	}
	if d.Assistant.Tagline != "{role}'s corner" {
		t.Errorf("tagline = %q", d.Assistant.Tagline)
	}
	if d.Visual.Logo.Width.value != "coachpx" {
		t.Errorf("width = %v", d.Visual.Logo.Width.value)
	}
}

func TestDataFeatures(t *testing.T) {
	cfg, _, err := Load(writeFile(t, "features:\n  transcripts_enabled: false\n"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	raw, err := json.Marshal(cfg.Data().Features)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"voiceChatEnabled":true,"riskAssessmentEnabled":true,"transcriptsEnabled":false,"adminDashboardEnabled":true}`
	if string(raw) != want {
		t.Errorf("features = %s, want %s", raw, want)
	}
}

func TestDataSizesKeepTheirForm(t *testing.T) {
	cfg, _, err := Load(writeFile(t, "visual:\n  logo:\n    width: 1.5\n    height: '48'\n"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	raw, err := json.Marshal(cfg.Data().Visual.Logo)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"path":"/static/images/logo.png","altText":"Assistant logo","width":1.5,"height":"48"}`
	if string(raw) != want {
		t.Errorf("logo = %s, want %s", raw, want)
	}
}
