{
	"patcher": {
		"fileversion": 1,
		"appversion": {
			"major": 8,
			"minor": 6,
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
			520,
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
		"devicewidth": 520,
		"description": "Cadenza Restyle: a Live 12 MIDI Transformation that restyles the selected notes with the Cadenza daemon.",
		"digest": "Restyle notes with Cadenza.",
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
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						""
					],
					"patching_rect": [
						40,
						160,
						110,
						22
					],
					"text": "live.miditool.in"
				}
			},
			{
				"box": {
					"id": "obj-4",
					"maxclass": "newobj",
					"numinlets": 2,
					"numoutlets": 5,
					"outlettype": [
						"",
						"",
						"",
						"",
						""
					],
					"patching_rect": [
						40,
						440,
						420,
						22
					],
					"text": "js cadenza_miditool.js restyle",
					"saved_object_attributes": {
						"filename": "cadenza_miditool.js",
						"parameter_enable": 0
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
						520,
						110,
						22
					],
					"text": "live.miditool.out"
				}
			},
			{
				"box": {
					"id": "obj-6",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 0,
					"outlettype": [],
					"patching_rect": [
						200,
						520,
						140,
						22
					],
					"text": "udpsend 127.0.0.1 7500"
				}
			},
			{
				"box": {
					"id": "obj-8",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						""
					],
					"patching_rect": [
						400,
						520,
						100,
						22
					],
					"text": "route style_menu model_menu"
				}
			},
			{
				"box": {
					"id": "obj-9",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						48,
						220,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						4,
						2,
						40,
						16
					],
					"text": "Role",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-10",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						48,
						240,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						4,
						18,
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
					"id": "obj-11",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						48,
						380,
						110,
						22
					],
					"text": "prepend role"
				}
			},
			{
				"box": {
					"id": "obj-12",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						48,
						260,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						4,
						36,
						40,
						16
					],
					"text": "Style",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-13",
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
						48,
						280,
						100,
						22
					],
					"presentation": 1,
					"presentation_rect": [
						4,
						52,
						100,
						18
					],
					"fontsize": 9.5,
					"varname": "style_menu"
				}
			},
			{
				"box": {
					"id": "obj-14",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						168,
						380,
						110,
						22
					],
					"text": "prepend style"
				}
			},
			{
				"box": {
					"id": "obj-15",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						260,
						220,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						110,
						2,
						40,
						16
					],
					"text": "Mood",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-16",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						260,
						240,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						110,
						18,
						96,
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
					"id": "obj-17",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						260,
						410,
						110,
						22
					],
					"text": "prepend mood"
				}
			},
			{
				"box": {
					"id": "obj-18",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						260,
						260,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						110,
						36,
						40,
						16
					],
					"text": "Seed",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-19",
					"maxclass": "live.numbox",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						260,
						280,
						44,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						150,
						36,
						56,
						15
					],
					"parameter_enable": 1,
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_initial": [
								1
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Seed",
							"parameter_mmin": 0,
							"parameter_mmax": 99999,
							"parameter_shortname": "Seed",
							"parameter_type": 1,
							"parameter_unitstyle": 0,
							"parameter_info": "Same seed and controls, same notes."
						}
					},
					"varname": "Seed"
				}
			},
			{
				"box": {
					"id": "obj-20",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						380,
						410,
						110,
						22
					],
					"text": "prepend seed"
				}
			},
			{
				"box": {
					"id": "obj-21",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						260,
						300,
						70,
						18
					],
					"presentation": 1,
					"presentation_rect": [
						110,
						54,
						38,
						16
					],
					"text": "Keep",
					"textjustification": 0
				}
			},
			{
				"box": {
					"id": "obj-22",
					"maxclass": "live.menu",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						"float"
					],
					"patching_rect": [
						260,
						320,
						100,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						150,
						54,
						56,
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
							"parameter_info": "What to keep from the notes."
						}
					},
					"varname": "Preserve"
				}
			},
			{
				"box": {
					"id": "obj-23",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						260,
						440,
						110,
						22
					],
					"text": "prepend preserve"
				}
			},
			{
				"box": {
					"id": "obj-24",
					"maxclass": "live.dial",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						468,
						240,
						44,
						48
					],
					"presentation": 1,
					"presentation_rect": [
						214,
						16,
						40,
						44
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
					"id": "obj-25",
					"maxclass": "newobj",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					],
					"patching_rect": [
						468,
						470,
						110,
						22
					],
					"text": "prepend temperature"
				}
			},
			{
				"box": {
					"id": "obj-26",
					"maxclass": "live.dial",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						528,
						240,
						44,
						48
					],
					"presentation": 1,
					"presentation_rect": [
						260,
						16,
						40,
						44
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
							"parameter_info": "0 keeps the notes, 1 rewrites them fully."
						}
					},
					"varname": "Strength"
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
						588,
						470,
						110,
						22
					],
					"text": "prepend strength"
				}
			},
			{
				"box": {
					"id": "obj-28",
					"maxclass": "live.comment",
					"numinlets": 1,
					"numoutlets": 0,
					"patching_rect": [
						40,
						600,
						400,
						30
					],
					"presentation": 1,
					"presentation_rect": [
						4,
						74,
						306,
						34
					],
					"text": "Cadenza is loading. If this stays, Max did not find its .js file: keep the .js files next to the .amxd (see docs/MAX_FOR_LIVE.md).",
					"textjustification": 0,
					"linecount": 2,
					"varname": "status"
				}
			},
			{
				"box": {
					"id": "obj-29",
					"maxclass": "newobj",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						"bang"
					],
					"patching_rect": [
						40,
						110,
						60,
						22
					],
					"text": "qlim 100"
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
						312,
						2,
						40,
						16
					],
					"text": "Model",
					"textjustification": 0,
					"id": "obj-30"
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
						352,
						2,
						164,
						18
					],
					"fontsize": 9.5,
					"varname": "model_menu",
					"id": "obj-31"
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
					"id": "obj-32"
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
						312,
						22,
						40,
						16
					],
					"text": "Prompt",
					"textjustification": 0,
					"id": "obj-33"
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
						352,
						22,
						164,
						16
					],
					"text": "",
					"keymode": 1,
					"lines": 1,
					"wordwrap": 0,
					"fontsize": 9,
					"varname": "prompt",
					"hint": "Free text, e.g. \"calm folk tune\". Controls you set win over words.",
					"id": "obj-34"
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
					"id": "obj-35"
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
						40,
						44
					],
					"presentation": 1,
					"presentation_rect": [
						312,
						40,
						40,
						44
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
					"id": "obj-36"
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
					"id": "obj-37"
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
						358,
						40,
						50,
						16
					],
					"text": "Guidance",
					"textjustification": 0,
					"id": "obj-38"
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
						106,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						410,
						40,
						106,
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
					"id": "obj-39"
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
					"id": "obj-40"
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
						358,
						58,
						50,
						16
					],
					"text": "Density",
					"textjustification": 0,
					"id": "obj-41"
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
						106,
						15
					],
					"presentation": 1,
					"presentation_rect": [
						410,
						58,
						106,
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
					"id": "obj-42"
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
					"id": "obj-43"
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
						312,
						88,
						30,
						16
					],
					"text": "Pitch",
					"textjustification": 0,
					"id": "obj-44"
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
						344,
						88,
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
					"id": "obj-45"
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
					"id": "obj-46"
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
						388,
						88,
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
					"id": "obj-47"
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
					"id": "obj-48"
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
						436,
						88,
						50,
						16
					],
					"text": "Scale lock",
					"textjustification": 0,
					"id": "obj-49"
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
						488,
						88,
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
							"parameter_info": "On: only notes of the clip's scale (needs Scale mode on or a key)."
						}
					},
					"varname": "Scale_Lock",
					"id": "obj-50"
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
					"id": "obj-51"
				}
			}
		],
		"lines": [
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
						"obj-4",
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
						"obj-4",
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
						"obj-4",
						1
					],
					"source": [
						"obj-3",
						1
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
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-6",
						0
					],
					"source": [
						"obj-4",
						1
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-8",
						0
					],
					"source": [
						"obj-4",
						4
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-11",
						0
					],
					"source": [
						"obj-10",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-4",
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
						"obj-14",
						0
					],
					"source": [
						"obj-13",
						1
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-4",
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
						"obj-13",
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
						"obj-17",
						0
					],
					"source": [
						"obj-16",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-4",
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
						"obj-20",
						0
					],
					"source": [
						"obj-19",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-4",
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
						"obj-23",
						0
					],
					"source": [
						"obj-22",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-4",
						0
					],
					"source": [
						"obj-23",
						0
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-25",
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
						"obj-4",
						0
					],
					"source": [
						"obj-25",
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
						"obj-4",
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
						"obj-28",
						0
					],
					"source": [
						"obj-4",
						2
					]
				}
			},
			{
				"patchline": {
					"destination": [
						"obj-29",
						0
					],
					"source": [
						"obj-4",
						3
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
						"obj-29",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-31",
						1
					],
					"destination": [
						"obj-32",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-32",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-8",
						1
					],
					"destination": [
						"obj-31",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-34",
						0
					],
					"destination": [
						"obj-35",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-35",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-36",
						0
					],
					"destination": [
						"obj-37",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-37",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-39",
						0
					],
					"destination": [
						"obj-40",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-40",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-42",
						0
					],
					"destination": [
						"obj-43",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-43",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-45",
						0
					],
					"destination": [
						"obj-46",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-46",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-47",
						0
					],
					"destination": [
						"obj-48",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-48",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-50",
						0
					],
					"destination": [
						"obj-51",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-51",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			}
		],
		"parameters": {
			"obj-10": [
				"Role",
				"Role",
				0
			],
			"obj-16": [
				"Mood",
				"Mood",
				0
			],
			"obj-19": [
				"Seed",
				"Seed",
				0
			],
			"obj-22": [
				"Preserve",
				"Preserve",
				0
			],
			"obj-24": [
				"Temperature",
				"Temperature",
				0
			],
			"obj-26": [
				"Strength",
				"Strength",
				0
			],
			"parameterbanks": {
				"0": {
					"index": 0,
					"name": "Cadenza",
					"parameters": [
						"Role",
						"Mood",
						"Seed",
						"Preserve",
						"Temperature",
						"Strength",
						"-",
						"-"
					]
				}
			},
			"inherited_shortname": 1,
			"obj-36": [
				"Top-p",
				"Top-p",
				0
			],
			"obj-39": [
				"Guidance",
				"Guidance",
				0
			],
			"obj-42": [
				"Density",
				"Density",
				0
			],
			"obj-45": [
				"Pitch Low",
				"Pitch Low",
				0
			],
			"obj-47": [
				"Pitch High",
				"Pitch High",
				0
			],
			"obj-50": [
				"Scale Lock",
				"Scale Lock",
				0
			]
		},
		"dependency_cache": [
			{
				"name": "cadenza_miditool.js",
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
			"amxdtype": 1851880564,
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
