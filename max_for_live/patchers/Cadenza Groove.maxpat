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
		"description": "Cadenza Groove: a Live 12 MIDI Transformation that plays the selected notes with feel (new timing and velocity, the same pitches and count) with the Cadenza daemon's groove model.",
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
					"text": "js cadenza_miditool.js groove",
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
						312,
						40,
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
					"id": "obj-52",
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
						214,
						16,
						40,
						44
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
							"parameter_info": "0 keeps the notes' timing and velocity, 1 applies the model's fully."
						}
					},
					"varname": "Amount"
				}
			},
			{
				"box": {
					"id": "obj-53",
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
					"text": "prepend amount"
				}
			},
			{
				"box": {
					"id": "obj-54",
					"maxclass": "live.dial",
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"patching_rect": [
						588,
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
								0.0
							],
							"parameter_initial_enable": 1,
							"parameter_longname": "Swing",
							"parameter_mmin": 0,
							"parameter_mmax": 1,
							"parameter_shortname": "Swing",
							"parameter_type": 0,
							"parameter_unitstyle": 1,
							"parameter_info": "0 straight, 1 delays the off-beats to the triplet point (2:1)."
						}
					},
					"varname": "Swing"
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
						700,
						470,
						110,
						22
					],
					"text": "prepend swing"
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
					"destination": [
						"obj-53",
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
						"obj-4",
						0
					],
					"source": [
						"obj-53",
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
						"obj-4",
						0
					],
					"source": [
						"obj-55",
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
			"obj-19": [
				"Seed",
				"Seed",
				0
			],
			"obj-24": [
				"Temperature",
				"Temperature",
				0
			],
			"parameterbanks": {
				"0": {
					"index": 0,
					"name": "Cadenza",
					"parameters": [
						"Role",
						"Amount",
						"Swing",
						"Temperature",
						"Seed",
						"-",
						"-",
						"-"
					]
				}
			},
			"inherited_shortname": 1,
			"obj-52": [
				"Amount",
				"Amount",
				0
			],
			"obj-54": [
				"Swing",
				"Swing",
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
