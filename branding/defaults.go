package branding

// Default returns the built-in branding, used for the whole config when there
// is no file and for every key a file leaves out.
func Default() Config {
	return Config{
		Assistant: Assistant{
			Name:        "Assistant",
			Role:        "AI Assistant",
			Tagline:     "Your AI Companion",
			Description: "{assistant_name} is an AI companion here to listen and help.",
		},
		UI: UI{
			PageTitle:      "{assistant_name} - {tagline}",
			HeaderText:     "{assistant_name}",
			WelcomeMessage: "Hello, I'm {assistant_name}. How can I help you today?",
			Chat: Chat{
				AssistantLabel: "{assistant_name}",
				UserLabel:      "You",
				Status: Status{
					Thinking:   "Thinking...",
					Speaking:   "Speaking...",
					Typing:     "Typing...",
					Listening:  "Listening...",
					Processing: "Processing...",
				},
			},
		},
		Visual: Visual{
			Logo: Logo{
				Path:    "/static/images/logo.png",
				AltText: "{assistant_name} logo",
				Width:   Size{value: 40},
				Height:  Size{value: 40},
			},
			Colors: Colors{
				Primary:       "#4F46E5",
				Secondary:     "#7C3AED",
				Accent:        "#EC4899",
				Gradient:      "linear-gradient(135deg, #4F46E5 0%, #7C3AED 100%)",
				TextPrimary:   "#1F2937",
				TextSecondary: "#6B7280",
				TextLight:     "#FFFFFF",
			},
			Favicon: "/static/images/favicon.ico",
		},
		Features: Features{
			VoiceChatEnabled:      true,
			RiskAssessmentEnabled: true,
			TranscriptsEnabled:    true,
			AdminDashboardEnabled: true,
		},
	}
}
