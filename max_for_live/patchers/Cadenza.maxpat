{
	"patcher": {
		"fileversion": 1,
		"appversion": {
			"major": 8,
			"minor": 5,
			"revision": 5,
			"architecture": "x64",
			"modernui": 1
		},
		"classnamespace": "box",
		"rect": [
			80,
			80,
			1180,
			720
		],
		"openrect": [
			0,
			0,
			890,
			169
		],
		"bglocked": 0,
		"openinpresentation": 1,
		"default_fontsize": 10,
		"default_fontface": 0,
		"default_fontname": "Arial Bold",
		"gridonopen": 1,
		"gridsize": [
			8,
			8
		],
		"gridsnaponopen": 1,
		"objectsnaponopen": 1,
		"statusbarvisible": 2,
		"toolbarvisible": 1,
		"lefttoolbarpinned": 0,
		"toptoolbarpinned": 0,
		"righttoolbarpinned": 0,
		"bottomtoolbarpinned": 0,
		"toolbars_unpinned_last_save": 0,
		"tallnewobj": 0,
		"boxanimatetime": 200,
		"enablehscroll": 1,
		"enablevscroll": 1,
		"devicewidth": 890,
		"description": "Cadenza: generate, continue, restyle, infill, interpolate and accompany MIDI clips with the Cadenza daemon.",
		"digest": "AI composition companion: writes clips in the set's key and tempo.",
		"tags": "cadenza, generative, midi",
		"style": "",
		"subpatcher_template": "",
		"assistshowspatchername": 0,
		"boxes": [
			{
				"box": {
					"id": "obj-1",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"bang",
						"bang",
						""
					],
					"patching_rect": [
						40,
						40,
						90,
						22
					],
					"text": "live.thisdevice"
				}
			},
			{
				"box": {
					"id": "obj-2",
					"maxclass": "message",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						40,
						80,
						50,
						22
					],
					"text": "init"
				}
			},
			{
				"box": {
					"id": "obj-3",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 4,
					"outlettype": [
						"",
						"",
						"",
						""
					],
					"patching_rect": [
						40,
						560,
						420,
						22
					],
					"text": "js cadenza.js",
					"saved_object_attributes": {
						"filename": "cadenza.js",
						"parameter_enable": 0
					},
					"varname": "cadenza_js"
				}
			},
			{
				"box": {
					"id": "obj-4",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						""
					],
					"patching_rect": [
						500,
						560,
						230,
						22
					],
					"text": "pattr cadenza_state @bindto cadenza_js",
					"parameter_enable": 1,
					"varname": "cadenza_state",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_invisible": 1,
							"parameter_longname": "cadenza_state",
							"parameter_shortname": "cadenza_state",
							"parameter_type": 3
						}
					}
				}
			},
			{
				"box": {
					"id": "obj-5",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 0,
					"outlettype": [],
					"patching_rect": [
						40,
						640,
						140,
						22
					],
					"text": "udpsend 127.0.0.1 7500"
				}
			},
			{
				"box": {
					"id": "obj-7",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 5,
					"outlettype": [
						"",
						"",
						"",
						"",
						""
					],
					"patching_rect": [
						240,
						640,
						130,
						22
					],
					"text": "route style_menu seed model_menu progress"
				}
			},
			{
				"box": {
					"id": "obj-8",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"int"
					],
					"patching_rect": [
						900,
						40,
						50,
						22
					],
					"text": "midiin"
				}
			},
			{
				"box": {
					"id": "obj-9",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 0,
					"outlettype": [],
					"patching_rect": [
						900,
						80,
						55,
						22
					],
					"text": "midiout"
				}
			},
			{
				"box": {
					"id": "obj-10",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						49.6,
						140,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						6,
						4,
						50,
						16
					],
					"text": "Mode",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-11",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						49.6,
						160,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						6,
						20,
						100,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"Generate",
								"Continue",
								"Restyle",
								"Infill",
								"Interpolate",
								"Accompany",
								"Groove",
								"Drumify",
								"Band"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Mode",
							"parameter_mmax": 8,
							"parameter_shortname": "Mode",
							"parameter_type": 2,
							"parameter_info": "Generate writes new clips; Continue extends the selected clip; Restyle rewrites it as a new clip; Infill regenerates bars of the selected clip in place; Interpolate morphs from the selected clip (A) to the next clip after it on its track (B) in Steps clips; Accompany writes this track's Role for the other tracks' clips in the scene (Session) or under the loop brace (Arrangement); Groove plays the selected clip with feel (new timing and velocity, same notes) as a new clip, with Amount and Swing; Drumify writes a drum part on the selected clip's onsets as a new clip; Band writes a loop of the parts ticked, one clip per part, on this track and the tracks to its right that hold a Cadenza device (by their Role), and on new tracks for the rest."
						}
					},
					"varname": "Mode"
				}
			},
			{
				"box": {
					"id": "obj-12",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						49.6,
						440,
						110,
						22
					],
					"text": "prepend mode"
				}
			},
			{
				"box": {
					"id": "obj-13",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						49.6,
						180,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						6,
						38,
						50,
						16
					],
					"text": "Role",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-14",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						49.6,
						200,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						6,
						54,
						100,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"melody",
								"bass",
								"chords",
								"keys",
								"drums"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Role",
							"parameter_mmax": 4,
							"parameter_shortname": "Role",
							"parameter_type": 2,
							"parameter_info": "The part to write."
						}
					},
					"varname": "Role"
				}
			},
			{
				"box": {
					"id": "obj-15",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						49.6,
						470,
						110,
						22
					],
					"text": "prepend role"
				}
			},
			{
				"box": {
					"id": "obj-16",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						49.6,
						220,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						6,
						74,
						40,
						16
					],
					"text": "Bars",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-17",
					"maxclass": "live.numbox",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						49.6,
						240,
						44,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						62,
						74,
						44,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								4
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Bars",
							"parameter_mmin": 1,
							"parameter_mmax": 64,
							"parameter_shortname": "Bars",
							"parameter_type": 1,
							"parameter_unitstyle": 0,
							"parameter_info": "How many bars to write (Continue: how many to add; Infill: how many to regenerate from From bar)."
						}
					},
					"varname": "Bars"
				}
			},
			{
				"box": {
					"id": "obj-18",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						169.6,
						440,
						110,
						22
					],
					"text": "prepend bars"
				}
			},
			{
				"box": {
					"id": "obj-19",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						49.6,
						260,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						6,
						94,
						56,
						16
					],
					"text": "Variations",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-20",
					"maxclass": "live.numbox",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						49.6,
						280,
						44,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						62,
						94,
						44,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								1
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Variations",
							"parameter_mmin": 1,
							"parameter_mmax": 8,
							"parameter_shortname": "Variations",
							"parameter_type": 1,
							"parameter_unitstyle": 0,
							"parameter_info": "How many different clips to write."
						}
					},
					"varname": "Variations"
				}
			},
			{
				"box": {
					"id": "obj-21",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						169.6,
						470,
						110,
						22
					],
					"text": "prepend variations"
				}
			},
			{
				"box": {
					"id": "obj-22",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						225.60000000000002,
						140,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						116,
						4,
						50,
						16
					],
					"text": "Style",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-23",
					"maxclass": "umenu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"int",
						"",
						""
					],
					"items": [
						"any"
					],
					"parameter_enable": 0,
					"patching_rect": [
						225.60000000000002,
						160,
						100,
						22
					],
					"presentation": 1,
					"presentation_rect": [
						116,
						20,
						100,
						18
					],
					"fontsize": 9.5,
					"varname": "style_menu"
				}
			},
			{
				"box": {
					"id": "obj-24",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						225.60000000000002,
						500,
						110,
						22
					],
					"text": "prepend style"
				}
			},
			{
				"box": {
					"id": "obj-25",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						225.60000000000002,
						180,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						116,
						38,
						50,
						16
					],
					"text": "Mood",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-26",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						225.60000000000002,
						200,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						116,
						54,
						100,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"any",
								"happy",
								"tense",
								"sad",
								"calm"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Mood",
							"parameter_mmax": 4,
							"parameter_shortname": "Mood",
							"parameter_type": 2,
							"parameter_info": "The feeling to aim for."
						}
					},
					"varname": "Mood"
				}
			},
			{
				"box": {
					"id": "obj-27",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						225.60000000000002,
						530,
						110,
						22
					],
					"text": "prepend mood"
				}
			},
			{
				"box": {
					"id": "obj-28",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						225.60000000000002,
						220,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						116,
						74,
						30,
						16
					],
					"text": "Key",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-29",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						225.60000000000002,
						240,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						146,
						74,
						70,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"Follow Live",
								"C",
								"C#",
								"D",
								"Eb",
								"E",
								"F",
								"F#",
								"G",
								"Ab",
								"A",
								"Bb",
								"B"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Key",
							"parameter_mmax": 12,
							"parameter_shortname": "Key",
							"parameter_type": 2,
							"parameter_info": "Follow Live uses the set's Scale (Live 12, Scale on); or pick a key."
						}
					},
					"varname": "Key"
				}
			},
			{
				"box": {
					"id": "obj-30",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						345.6,
						500,
						110,
						22
					],
					"text": "prepend key"
				}
			},
			{
				"box": {
					"id": "obj-31",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						225.60000000000002,
						280,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						146,
						94,
						70,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"major",
								"minor"
							],
							"parameter_initial": [
								1
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Scale",
							"parameter_mmax": 1,
							"parameter_shortname": "Scale",
							"parameter_type": 2,
							"parameter_info": "Major or minor, for a key picked here."
						}
					},
					"varname": "Scale"
				}
			},
			{
				"box": {
					"id": "obj-32",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						345.6,
						530,
						110,
						22
					],
					"text": "prepend scale"
				}
			},
			{
				"box": {
					"id": "obj-33",
					"maxclass": "live.dial",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						401.6,
						160,
						44,
						48
					],
					"presentation": 1,
					"presentation_rect": [
						226,
						4,
						44,
						48
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								1
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Temperature",
							"parameter_mmin": 0.05,
							"parameter_mmax": 3,
							"parameter_shortname": "Temperature",
							"parameter_type": 0,
							"parameter_unitstyle": 1,
							"parameter_info": "Low: safe and repetitive. High: surprising."
						}
					},
					"varname": "Temperature"
				}
			},
			{
				"box": {
					"id": "obj-34",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						401.6,
						560,
						110,
						22
					],
					"text": "prepend temperature"
				}
			},
			{
				"box": {
					"id": "obj-35",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						401.6,
						220,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						226,
						74,
						30,
						16
					],
					"text": "Seed",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-36",
					"maxclass": "number",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"bang"
					],
					"parameter_enable": 0,
					"minimum": 0,
					"maximum": 99999,
					"fontsize": 9.5,
					"patching_rect": [
						401.6,
						240,
						44,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						256,
						74,
						50,
						15
					],
					"varname": "seed_box",
					"hint": "The seed of the last request (type one to choose it); Lock keeps it. Not a Live parameter: Go shows a new seed here without adding to Live's undo history."
				}
			},
			{
				"box": {
					"id": "obj-37",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						401.6,
						590,
						110,
						22
					],
					"text": "prepend seed"
				}
			},
			{
				"box": {
					"id": "obj-38",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						401.6,
						260,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						256,
						94,
						30,
						16
					],
					"text": "Lock",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-39",
					"maxclass": "live.toggle",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						401.6,
						280,
						15,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						288,
						95,
						15,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Seed Lock",
							"parameter_mmax": 1,
							"parameter_shortname": "Seed Lock",
							"parameter_type": 2,
							"parameter_info": "On: every Go uses this seed."
						}
					},
					"varname": "Seed_Lock"
				}
			},
			{
				"box": {
					"id": "obj-40",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						521.6,
						560,
						110,
						22
					],
					"text": "prepend seed_lock"
				}
			},
			{
				"box": {
					"id": "obj-41",
					"maxclass": "live.dial",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						571.2,
						160,
						44,
						48
					],
					"presentation": 1,
					"presentation_rect": [
						332,
						4,
						44,
						48
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								0.5
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Strength",
							"parameter_mmin": 0,
							"parameter_mmax": 1,
							"parameter_shortname": "Strength",
							"parameter_type": 0,
							"parameter_unitstyle": 1,
							"parameter_info": "Restyle: 0 keeps the clip, 1 rewrites it fully."
						}
					},
					"varname": "Strength"
				}
			},
			{
				"box": {
					"id": "obj-42",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						571.2,
						620,
						110,
						22
					],
					"text": "prepend strength"
				}
			},
			{
				"box": {
					"id": "obj-43",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						571.2,
						220,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						332,
						74,
						50,
						16
					],
					"text": "Preserve",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-44",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						571.2,
						240,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						332,
						94,
						90,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"rhythm",
								"contour",
								"none"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Preserve",
							"parameter_mmax": 2,
							"parameter_shortname": "Preserve",
							"parameter_type": 2,
							"parameter_info": "Restyle: what to keep from the clip."
						}
					},
					"varname": "Preserve"
				}
			},
			{
				"box": {
					"id": "obj-45",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						691.2,
						620,
						110,
						22
					],
					"text": "prepend preserve"
				}
			},
			{
				"box": {
					"id": "obj-46",
					"maxclass": "live.button",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						740.8000000000001,
						160,
						40,
						40
					],
					"presentation": 1,
					"presentation_rect": [
						438,
						6,
						40,
						40
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_longname": "Go",
							"parameter_mmax": 1,
							"parameter_shortname": "Go",
							"parameter_type": 2,
							"parameter_info": "Ask Cadenza and insert the answer."
						}
					},
					"varname": "Go"
				}
			},
			{
				"box": {
					"id": "obj-47",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						788.8000000000001,
						160,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						484,
						18,
						30,
						16
					],
					"text": "Go",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-48",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"bang"
					],
					"patching_rect": [
						740.8000000000001,
						440,
						30,
						22
					],
					"text": "t b"
				}
			},
			{
				"box": {
					"id": "obj-49",
					"maxclass": "message",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						740.8000000000001,
						470,
						50,
						22
					],
					"text": "go"
				}
			},
			{
				"box": {
					"id": "obj-50",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						740.8000000000001,
						200,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						438,
						54,
						30,
						16
					],
					"text": "Host",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-51",
					"maxclass": "textedit",
					"numinlets": 1,
					"numoutlets": 4,
					"outlettype": [
						"",
						"int",
						"",
						""
					],
					"parameter_enable": 0,
					"patching_rect": [
						740.8000000000001,
						220,
						90,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						468,
						54,
						90,
						16
					],
					"text": "127.0.0.1",
					"keymode": 1,
					"lines": 1,
					"wordwrap": 0,
					"fontsize": 9,
					"varname": "host"
				}
			},
			{
				"box": {
					"id": "obj-52",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						740.8000000000001,
						650,
						110,
						22
					],
					"text": "prepend host"
				}
			},
			{
				"box": {
					"id": "obj-53",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						740.8000000000001,
						240,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						438,
						72,
						30,
						16
					],
					"text": "Port",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-54",
					"maxclass": "live.numbox",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						740.8000000000001,
						260,
						44,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						468,
						72,
						50,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								7500
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Port",
							"parameter_mmin": 1,
							"parameter_mmax": 65535,
							"parameter_shortname": "Port",
							"parameter_type": 1,
							"parameter_unitstyle": 0,
							"parameter_info": "The daemon's port (cadenza serve --port).",
							"parameter_invisible": 1
						}
					},
					"varname": "Port"
				}
			},
			{
				"box": {
					"id": "obj-55",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						860.8000000000001,
						650,
						110,
						22
					],
					"text": "prepend port"
				}
			},
			{
				"box": {
					"id": "obj-56",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						740.8000000000001,
						280,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						438,
						90,
						30,
						16
					],
					"text": "Reply",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-57",
					"maxclass": "live.numbox",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						740.8000000000001,
						300,
						44,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						468,
						90,
						50,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Reply Port",
							"parameter_mmin": 0,
							"parameter_mmax": 65535,
							"parameter_shortname": "Reply Port",
							"parameter_type": 1,
							"parameter_unitstyle": 0,
							"parameter_info": "The port this device listens on for answers; 0 picks a free one.",
							"parameter_invisible": 1
						}
					},
					"varname": "Reply_Port"
				}
			},
			{
				"box": {
					"id": "obj-58",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						860.8000000000001,
						680,
						110,
						22
					],
					"text": "prepend reply_port"
				}
			},
			{
				"box": {
					"id": "obj-59",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						40,
						720,
						560,
						30
					],
					"presentation": 1,
					"presentation_rect": [
						6,
						118,
						552,
						46
					],
					"text": "Cadenza is loading. If this stays, Max did not find its .js file: keep the .js files next to the .amxd (see docs/MAX_FOR_LIVE.md).",
					"textjustification": 0,
					"linecount": 3,
					"varname": "status"
				}
			},
			{
				"box": {
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						900,
						40,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						566,
						4,
						40,
						16
					],
					"text": "Model",
					"textjustification": 0,
					"id": "obj-60"
				}
			},
			{
				"box": {
					"maxclass": "umenu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"int",
						"",
						""
					],
					"items": [
						"default"
					],
					"parameter_enable": 0,
					"patching_rect": [
						900,
						70,
						100,
						22
					],
					"presentation": 1,
					"presentation_rect": [
						606,
						4,
						148,
						18
					],
					"fontsize": 9.5,
					"varname": "model_menu",
					"id": "obj-61"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						100,
						100,
						22
					],
					"text": "prepend model",
					"id": "obj-62"
				}
			},
			{
				"box": {
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						900,
						130,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						566,
						24,
						40,
						16
					],
					"text": "Prompt",
					"textjustification": 0,
					"id": "obj-63"
				}
			},
			{
				"box": {
					"maxclass": "textedit",
					"numinlets": 1,
					"numoutlets": 4,
					"outlettype": [
						"",
						"int",
						"",
						""
					],
					"parameter_enable": 0,
					"patching_rect": [
						900,
						160,
						100,
						22
					],
					"presentation": 1,
					"presentation_rect": [
						606,
						24,
						148,
						16
					],
					"text": "",
					"keymode": 1,
					"lines": 1,
					"wordwrap": 0,
					"fontsize": 9,
					"varname": "prompt",
					"hint": "Free text, e.g. \"calm folk tune in D minor\". Controls you set win over words.",
					"id": "obj-64"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						190,
						100,
						22
					],
					"text": "prepend prompt",
					"id": "obj-65"
				}
			},
			{
				"box": {
					"maxclass": "live.dial",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						900,
						220,
						44,
						48
					],
					"presentation": 1,
					"presentation_rect": [
						566,
						44,
						44,
						48
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Top-p",
							"parameter_shortname": "Top-p",
							"parameter_initial": [
								0.95
							],
							"parameter_initial_enable": 1,
							"parameter_mmin": 0.05,
							"parameter_mmax": 1,
							"parameter_type": 0,
							"parameter_unitstyle": 1,
							"parameter_info": "Nucleus sampling: lower keeps to the likeliest notes."
						}
					},
					"varname": "Top-p",
					"id": "obj-66"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						250,
						100,
						22
					],
					"text": "prepend top_p",
					"id": "obj-67"
				}
			},
			{
				"box": {
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						900,
						280,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						616,
						44,
						50,
						16
					],
					"text": "Guidance",
					"textjustification": 0,
					"id": "obj-68"
				}
			},
			{
				"box": {
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						900,
						310,
						86,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						668,
						44,
						86,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Guidance",
							"parameter_shortname": "Guidance",
							"parameter_enum": [
								"model",
								"0",
								"0.5",
								"1",
								"1.5",
								"2",
								"3",
								"4",
								"5"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_mmax": 8,
							"parameter_type": 2,
							"parameter_info": "How closely style, mood and key are followed (model = the model's own)."
						}
					},
					"varname": "Guidance",
					"id": "obj-69"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						340,
						100,
						22
					],
					"text": "prepend guidance",
					"id": "obj-70"
				}
			},
			{
				"box": {
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						900,
						370,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						616,
						62,
						50,
						16
					],
					"text": "Density",
					"textjustification": 0,
					"id": "obj-71"
				}
			},
			{
				"box": {
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						900,
						400,
						86,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						668,
						62,
						86,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Density",
							"parameter_shortname": "Density",
							"parameter_enum": [
								"auto",
								"sparse",
								"light",
								"medium",
								"busy",
								"dense"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_mmax": 5,
							"parameter_type": 2,
							"parameter_info": "How many notes per beat (auto = the model decides)."
						}
					},
					"varname": "Density",
					"id": "obj-72"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						430,
						100,
						22
					],
					"text": "prepend density",
					"id": "obj-73"
				}
			},
			{
				"box": {
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						900,
						460,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						566,
						96,
						30,
						16
					],
					"text": "Pitch",
					"textjustification": 0,
					"id": "obj-74"
				}
			},
			{
				"box": {
					"maxclass": "live.numbox",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						900,
						490,
						40,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						598,
						96,
						40,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Pitch Low",
							"parameter_shortname": "Pitch Low",
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_mmin": 0,
							"parameter_mmax": 127,
							"parameter_type": 1,
							"parameter_unitstyle": 8,
							"parameter_info": "Lowest note Cadenza may write."
						}
					},
					"varname": "Pitch_Low",
					"id": "obj-75"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						520,
						100,
						22
					],
					"text": "prepend pitch_low",
					"id": "obj-76"
				}
			},
			{
				"box": {
					"maxclass": "live.numbox",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						900,
						550,
						40,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						642,
						96,
						40,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Pitch High",
							"parameter_shortname": "Pitch High",
							"parameter_initial": [
								127
							],
							"parameter_initial_enable": 1,
							"parameter_mmin": 0,
							"parameter_mmax": 127,
							"parameter_type": 1,
							"parameter_unitstyle": 8,
							"parameter_info": "Highest note Cadenza may write."
						}
					},
					"varname": "Pitch_High",
					"id": "obj-77"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						580,
						100,
						22
					],
					"text": "prepend pitch_high",
					"id": "obj-78"
				}
			},
			{
				"box": {
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						900,
						610,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						690,
						96,
						50,
						16
					],
					"text": "Scale lock",
					"textjustification": 0,
					"id": "obj-79"
				}
			},
			{
				"box": {
					"maxclass": "live.toggle",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						640,
						15,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						740,
						96,
						15,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Scale Lock",
							"parameter_shortname": "Scale Lock",
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_mmax": 1,
							"parameter_type": 2,
							"parameter_info": "On: only notes of the key (needs a key)."
						}
					},
					"varname": "Scale_Lock",
					"id": "obj-80"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						670,
						100,
						22
					],
					"text": "prepend scale_lock",
					"id": "obj-81"
				}
			},
			{
				"box": {
					"maxclass": "slider",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"orientation": 1,
					"size": 101,
					"ignoreclick": 1,
					"parameter_enable": 0,
					"patching_rect": [
						900,
						700,
						116,
						12
					],
					"presentation": 1,
					"presentation_rect": [
						566,
						122,
						116,
						10
					],
					"varname": "progress",
					"hint": "Progress of the request in flight.",
					"id": "obj-82"
				}
			},
			{
				"box": {
					"maxclass": "textbutton",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						""
					],
					"text": "Cancel",
					"parameter_enable": 0,
					"patching_rect": [
						900,
						730,
						64,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						690,
						118,
						64,
						18
					],
					"varname": "cancel",
					"hint": "Stop the request in flight; nothing is written.",
					"id": "obj-83"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"bang"
					],
					"patching_rect": [
						900,
						760,
						100,
						22
					],
					"text": "t b",
					"id": "obj-84"
				}
			},
			{
				"box": {
					"maxclass": "message",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						900,
						790,
						50,
						22
					],
					"text": "cancel",
					"id": "obj-85"
				}
			},
			{
				"box": {
					"id": "obj-86",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1060,
						40,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						762,
						4,
						50,
						16
					],
					"text": "Target",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-87",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						1060,
						70,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						762,
						20,
						122,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"Next empty slot",
								"Selected slot",
								"New track"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Target",
							"parameter_mmax": 2,
							"parameter_shortname": "Target",
							"parameter_type": 2,
							"parameter_info": "Where new clips go: the next empty slot (below the source clip for Continue and Restyle), this track's slot in the selected scene, or a new MIDI track. Infill always writes in place."
						}
					},
					"varname": "Target"
				}
			},
			{
				"box": {
					"id": "obj-88",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1060,
						100,
						110,
						22
					],
					"text": "prepend target"
				}
			},
			{
				"box": {
					"id": "obj-89",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1060,
						130,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						762,
						38,
						60,
						16
					],
					"text": "From bar",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-90",
					"maxclass": "live.numbox",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						1060,
						160,
						44,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						840,
						38,
						44,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								1
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "From Bar",
							"parameter_mmin": 1,
							"parameter_mmax": 64,
							"parameter_shortname": "From Bar",
							"parameter_type": 1,
							"parameter_unitstyle": 0,
							"parameter_info": "Infill without selected notes: the first bar of the clip to regenerate (Bars says how many). With notes selected in the clip, the bars they touch are regenerated."
						}
					},
					"varname": "From_Bar"
				}
			},
			{
				"box": {
					"id": "obj-91",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1060,
						190,
						110,
						22
					],
					"text": "prepend from_bar"
				}
			},
			{
				"box": {
					"id": "obj-92",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1060,
						220,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						762,
						74,
						60,
						16
					],
					"text": "Program",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-93",
					"maxclass": "textedit",
					"numinlets": 1,
					"numoutlets": 4,
					"outlettype": [
						"",
						"int",
						"",
						""
					],
					"parameter_enable": 0,
					"patching_rect": [
						1060,
						250,
						120,
						22
					],
					"presentation": 1,
					"presentation_rect": [
						762,
						90,
						122,
						16
					],
					"text": "",
					"keymode": 1,
					"lines": 1,
					"wordwrap": 0,
					"fontsize": 9,
					"varname": "program",
					"hint": "Full path of the cadenza program the device starts when no daemon answers; blank: found on the PATH or in the usual install places."
				}
			},
			{
				"box": {
					"id": "obj-94",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1060,
						280,
						110,
						22
					],
					"text": "prepend program"
				}
			},
			{
				"box": {
					"id": "obj-95",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"patching_rect": [
						40,
						800,
						330,
						22
					],
					"text": "node.script cadenza_launcher.js @autostart 1 @watch 0",
					"saved_object_attributes": {
						"autostart": 1,
						"defer": 0,
						"watch": 0
					},
					"varname": "cadenza_launcher"
				}
			},
			{
				"box": {
					"id": "obj-96",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						40,
						840,
						110,
						22
					],
					"text": "prepend launcher"
				}
			},
			{
				"box": {
					"id": "obj-97",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1060,
						310,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						762,
						56,
						60,
						16
					],
					"text": "Steps",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-98",
					"maxclass": "live.numbox",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						1060,
						340,
						44,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						840,
						56,
						44,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								5
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Steps",
							"parameter_mmin": 2,
							"parameter_mmax": 16,
							"parameter_shortname": "Steps",
							"parameter_type": 1,
							"parameter_unitstyle": 0,
							"parameter_info": "Interpolate: how many clips from A to B, both ends included (the first close to A, the last close to B)."
						}
					},
					"varname": "Steps"
				}
			},
			{
				"box": {
					"id": "obj-99",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1060,
						370,
						110,
						22
					],
					"text": "prepend steps"
				}
			},
			{
				"box": {
					"id": "obj-100",
					"maxclass": "live.dial",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						1060,
						400,
						44,
						48
					],
					"presentation": 1,
					"presentation_rect": [
						384,
						4,
						40,
						40
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								1.0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Amount",
							"parameter_mmin": 0,
							"parameter_mmax": 1,
							"parameter_shortname": "Amount",
							"parameter_type": 0,
							"parameter_unitstyle": 1,
							"parameter_info": "Groove: 0 keeps the clip's timing and velocity, 1 applies the model's fully."
						}
					},
					"varname": "Amount"
				}
			},
			{
				"box": {
					"id": "obj-101",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1060,
						460,
						110,
						22
					],
					"text": "prepend amount"
				}
			},
			{
				"box": {
					"id": "obj-102",
					"maxclass": "live.dial",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						1120,
						400,
						44,
						48
					],
					"presentation": 1,
					"presentation_rect": [
						384,
						48,
						40,
						40
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								0.0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Swing",
							"parameter_mmin": 0,
							"parameter_mmax": 1,
							"parameter_shortname": "Swing",
							"parameter_type": 0,
							"parameter_unitstyle": 1,
							"parameter_info": "Groove: 0 straight, 1 delays the off-beats to the triplet point (2:1)."
						}
					},
					"varname": "Swing"
				}
			},
			{
				"box": {
					"id": "obj-103",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1120,
						460,
						110,
						22
					],
					"text": "prepend swing"
				}
			},
			{
				"box": {
					"id": "obj-104",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1200,
						40,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						762,
						110,
						60,
						16
					],
					"text": "Band parts",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-105",
					"maxclass": "live.toggle",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1200,
						70,
						15,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						762,
						128,
						15,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_initial": [
								1
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Band Drums",
							"parameter_mmax": 1,
							"parameter_shortname": "Band Drums",
							"parameter_type": 2,
							"parameter_info": "Band: write the drums part."
						}
					},
					"varname": "Band Drums"
				}
			},
			{
				"box": {
					"id": "obj-106",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1200,
						90,
						20,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						778,
						127,
						14,
						16
					],
					"text": "D",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-107",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1200,
						120,
						110,
						22
					],
					"text": "prepend band_drums"
				}
			},
			{
				"box": {
					"id": "obj-108",
					"maxclass": "live.toggle",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1240,
						70,
						15,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						792,
						128,
						15,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_initial": [
								1
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Band Bass",
							"parameter_mmax": 1,
							"parameter_shortname": "Band Bass",
							"parameter_type": 2,
							"parameter_info": "Band: write the bass part."
						}
					},
					"varname": "Band Bass"
				}
			},
			{
				"box": {
					"id": "obj-109",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1240,
						90,
						20,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						808,
						127,
						14,
						16
					],
					"text": "B",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-110",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1240,
						120,
						110,
						22
					],
					"text": "prepend band_bass"
				}
			},
			{
				"box": {
					"id": "obj-111",
					"maxclass": "live.toggle",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1280,
						70,
						15,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						822,
						128,
						15,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_initial": [
								1
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Band Chords",
							"parameter_mmax": 1,
							"parameter_shortname": "Band Chords",
							"parameter_type": 2,
							"parameter_info": "Band: write the chords part."
						}
					},
					"varname": "Band Chords"
				}
			},
			{
				"box": {
					"id": "obj-112",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1280,
						90,
						20,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						838,
						127,
						14,
						16
					],
					"text": "C",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-113",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1280,
						120,
						110,
						22
					],
					"text": "prepend band_chords"
				}
			},
			{
				"box": {
					"id": "obj-114",
					"maxclass": "live.toggle",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1320,
						70,
						15,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						852,
						128,
						15,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_initial": [
								1
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Band Melody",
							"parameter_mmax": 1,
							"parameter_shortname": "Band Melody",
							"parameter_type": 2,
							"parameter_info": "Band: write the melody part."
						}
					},
					"varname": "Band Melody"
				}
			},
			{
				"box": {
					"id": "obj-115",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1320,
						90,
						20,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						868,
						127,
						14,
						16
					],
					"text": "M",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-116",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1320,
						120,
						110,
						22
					],
					"text": "prepend band_melody"
				}
			},
			{
				"box": {
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						1010,
						280,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						616,
						79,
						50,
						16
					],
					"text": "Fit",
					"textjustification": 0,
					"id": "obj-117"
				}
			},
			{
				"box": {
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						1010,
						310,
						86,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						668,
						79,
						86,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Fit",
							"parameter_shortname": "Fit",
							"parameter_enum": [
								"model",
								"0",
								"0.5",
								"1",
								"1.5",
								"2"
							],
							"parameter_initial": [
								0
							],
							"parameter_initial_enable": 1,
							"parameter_mmax": 5,
							"parameter_type": 2,
							"parameter_info": "Accompany: how closely the part fits the other tracks' chords and kick (0 the model alone, 1 as tuned, 2 twice as strong; model = the model's own)."
						}
					},
					"varname": "Fit",
					"id": "obj-118"
				}
			},
			{
				"box": {
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						1010,
						340,
						100,
						22
					],
					"text": "prepend fit",
					"id": "obj-119"
				}
			}
		],
		"lines": [
			{
				"patchline": {
					"destination": [
						"obj-9",
						0
					],
					"source": [
						"obj-8",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-2",
						0
					],
					"source": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-2",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-5",
						0
					],
					"source": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-7",
						0
					],
					"source": [
						"obj-3",
						2
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-12",
						0
					],
					"source": [
						"obj-11",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-12",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-15",
						0
					],
					"source": [
						"obj-14",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-15",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-18",
						0
					],
					"source": [
						"obj-17",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-18",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-21",
						0
					],
					"source": [
						"obj-20",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-21",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-24",
						0
					],
					"source": [
						"obj-23",
						1
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-24",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-23",
						0
					],
					"source": [
						"obj-7",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-27",
						0
					],
					"source": [
						"obj-26",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-27",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-30",
						0
					],
					"source": [
						"obj-29",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-30",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-32",
						0
					],
					"source": [
						"obj-31",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-32",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-34",
						0
					],
					"source": [
						"obj-33",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-34",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-37",
						0
					],
					"source": [
						"obj-36",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-37",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-36",
						0
					],
					"source": [
						"obj-7",
						1
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-40",
						0
					],
					"source": [
						"obj-39",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-40",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-42",
						0
					],
					"source": [
						"obj-41",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-42",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-45",
						0
					],
					"source": [
						"obj-44",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-45",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-48",
						0
					],
					"source": [
						"obj-46",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-49",
						0
					],
					"source": [
						"obj-48",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-49",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-52",
						0
					],
					"source": [
						"obj-51",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-52",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-55",
						0
					],
					"source": [
						"obj-54",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-55",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-58",
						0
					],
					"source": [
						"obj-57",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-58",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-59",
						0
					],
					"source": [
						"obj-3",
						1
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-61",
						1
					],
					"destination": [
						"obj-62",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-62",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-7",
						2
					],
					"destination": [
						"obj-61",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-64",
						0
					],
					"destination": [
						"obj-65",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-65",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-66",
						0
					],
					"destination": [
						"obj-67",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-67",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-69",
						0
					],
					"destination": [
						"obj-70",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-70",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-72",
						0
					],
					"destination": [
						"obj-73",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-73",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-75",
						0
					],
					"destination": [
						"obj-76",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-76",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-77",
						0
					],
					"destination": [
						"obj-78",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-78",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-80",
						0
					],
					"destination": [
						"obj-81",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-81",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-7",
						3
					],
					"destination": [
						"obj-82",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-83",
						0
					],
					"destination": [
						"obj-84",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-84",
						0
					],
					"destination": [
						"obj-85",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-85",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-88",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-87",
						0
					],
					"destination": [
						"obj-88",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-91",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-90",
						0
					],
					"destination": [
						"obj-91",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-94",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-93",
						0
					],
					"destination": [
						"obj-94",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-3",
						3
					],
					"destination": [
						"obj-95",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-95",
						0
					],
					"destination": [
						"obj-96",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-96",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-98",
						0
					],
					"destination": [
						"obj-99",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-99",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-101",
						0
					],
					"source": [
						"obj-100",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-101",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-103",
						0
					],
					"source": [
						"obj-102",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-103",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-107",
						0
					],
					"source": [
						"obj-105",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-107",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-110",
						0
					],
					"source": [
						"obj-108",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-110",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-113",
						0
					],
					"source": [
						"obj-111",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-113",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-116",
						0
					],
					"source": [
						"obj-114",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-3",
						0
					],
					"source": [
						"obj-116",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-118",
						0
					],
					"destination": [
						"obj-119",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-119",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			}
		],
		"parameters": {
			"obj-11": [
				"Mode",
				"Mode",
				0
			],
			"obj-14": [
				"Role",
				"Role",
				0
			],
			"obj-17": [
				"Bars",
				"Bars",
				0
			],
			"obj-20": [
				"Variations",
				"Variations",
				0
			],
			"obj-26": [
				"Mood",
				"Mood",
				0
			],
			"obj-29": [
				"Key",
				"Key",
				0
			],
			"obj-31": [
				"Scale",
				"Scale",
				0
			],
			"obj-33": [
				"Temperature",
				"Temperature",
				0
			],
			"obj-36": [
				"Seed",
				"Seed",
				0
			],
			"obj-39": [
				"Seed Lock",
				"Seed Lock",
				0
			],
			"obj-41": [
				"Strength",
				"Strength",
				0
			],
			"obj-44": [
				"Preserve",
				"Preserve",
				0
			],
			"obj-46": [
				"Go",
				"Go",
				0
			],
			"obj-54": [
				"Port",
				"Port",
				0
			],
			"obj-57": [
				"Reply Port",
				"Reply Port",
				0
			],
			"parameterbanks": {
				"0": {
					"index": 0,
					"name": "Cadenza",
					"parameters": [
						"Mode",
						"Role",
						"Bars",
						"Variations",
						"Mood",
						"Temperature",
						"Strength",
						"-"
					]
				}
			},
			"inherited_shortname": 1,
			"obj-66": [
				"Top-p",
				"Top-p",
				0
			],
			"obj-69": [
				"Guidance",
				"Guidance",
				0
			],
			"obj-72": [
				"Density",
				"Density",
				0
			],
			"obj-75": [
				"Pitch Low",
				"Pitch Low",
				0
			],
			"obj-77": [
				"Pitch High",
				"Pitch High",
				0
			],
			"obj-80": [
				"Scale Lock",
				"Scale Lock",
				0
			],
			"obj-87": [
				"Target",
				"Target",
				0
			],
			"obj-90": [
				"From Bar",
				"From Bar",
				0
			],
			"obj-98": [
				"Steps",
				"Steps",
				0
			],
			"obj-100": [
				"Amount",
				"Amount",
				0
			],
			"obj-102": [
				"Swing",
				"Swing",
				0
			],
			"obj-105": [
				"Band Drums",
				"Band Drums",
				0
			],
			"obj-108": [
				"Band Bass",
				"Band Bass",
				0
			],
			"obj-111": [
				"Band Chords",
				"Band Chords",
				0
			],
			"obj-114": [
				"Band Melody",
				"Band Melody",
				0
			]
		},
		"dependency_cache": [
			{
				"name": "cadenza.js",
				"patcherrelativepath": ".",
				"type": "TEXT",
				"implicit": 1
			},
			{
				"name": "cadenza_launcher.js",
				"patcherrelativepath": ".",
				"type": "TEXT",
				"implicit": 1
			}
		],
		"latency": 0,
		"is_mpe": 0,
		"minimum_live_version": "",
		"minimum_max_version": "",
		"platform_compatibility": 0,
		"project": {
			"version": 1,
			"creationdate": 3590052786,
			"modificationdate": 3590052786,
			"viewrect": [
				0,
				0,
				300,
				500
			],
			"autoorganize": 1,
			"hideprojectwindow": 1,
			"showdependencies": 1,
			"autolocalize": 0,
			"contents": {
				"patchers": {},
				"code": {}
			},
			"layout": {},
			"searchpath": {},
			"detailsvisible": 0,
			"amxdtype": 1835887981,
			"readonly": 0,
			"devpathtype": 0,
			"devpath": ".",
			"sortmode": 0,
			"viewmode": 0,
			"includepackages": 0
		},
		"autosave": 0
	}
}
