/** Static reference data the seed draws from: device models, sites, room kits, names and templates. */
import type { IncidentPriority, SimCustomParameterDefinition, SimModel } from "./types.ts";

/** A device model as the seed defines it: the model's fields plus how to generate devices of it. */
export interface ModelTemplate extends Omit<SimModel, "createdAtMs"> {
  /** Short label used in generated device names, e.g. "Touch Panel". */
  deviceLabel: string;
  /** Prefix of generated serial numbers. */
  snPrefix: string;
  /** Vendor OUI (first three MAC bytes) of generated MAC addresses. */
  macOui: string;
}

const STANDARD_COMMANDS = [
  { name: "reboot", friendlyName: "Reboot" },
  { name: "dump", friendlyName: "Upload diagnostics dump" },
];
const EDGE_CREDENTIALS: SimCustomParameterDefinition[] = [
  { label: "Username", type: "string" },
  { label: "Password", type: "password" },
  { label: "Control Port", type: "string" },
];

/** Heartbeat-only (ping) model id documented by docs.xyte.io for edge claims. */
export const PING_MODEL_ID = "5dc4ba6c-c323-4118-a4e4-504f074426f2";

export const MODEL_TEMPLATES: readonly ModelTemplate[] = [
  {
    id: "0b6f1d2e-3a41-4c7e-9d2a-5e1f8c3b7a01",
    name: "Crestron TSW-1070",
    vendor: "Crestron",
    category: "Touch Panel",
    subModels: ["TSW-1070-B-S", "TSW-1070-W-S"],
    authentication: "mac_sn",
    apiVersion: "1.0.7",
    hardwareKey: "hk-crestron-tsw1070",
    firmwareVersions: ["3.1.42", "3.2.1061", "3.3.15"],
    isEdgeProxy: false,
    edgeManaged: false,
    customParameters: [],
    commands: [...STANDARD_COMMANDS, { name: "refresh_ui", friendlyName: "Reload room UI" }],
    deviceLabel: "Touch Panel",
    snPrefix: "CR",
    macOui: "00:10:7f",
  },
  {
    id: "1c7a2e3f-4b52-4d8f-8e3b-6f2a9d4c8b02",
    name: "Poly Studio X50",
    vendor: "Poly",
    category: "Video Bar",
    subModels: ["X50"],
    authentication: "mac_sn",
    apiVersion: "1.0.6",
    hardwareKey: "hk-poly-studio-x50",
    firmwareVersions: ["4.0.1", "4.1.0", "4.2.0"],
    isEdgeProxy: false,
    edgeManaged: false,
    customParameters: [],
    commands: [...STANDARD_COMMANDS, { name: "restart_call_app", friendlyName: "Restart calling app" }],
    deviceLabel: "Video Bar",
    snPrefix: "PO",
    macOui: "64:16:7f",
  },
  {
    id: "2d8b3f40-5c63-4e90-9f4c-7a3b0e5d9c03",
    name: "Logitech Rally Bar",
    vendor: "Logitech",
    category: "Video Bar",
    subModels: ["Rally Bar", "Rally Bar Mini"],
    authentication: "cloud_id",
    apiVersion: "1.0.7",
    hardwareKey: "hk-logitech-rally-bar",
    firmwareVersions: ["1.6.2", "1.7.0", "1.8.1"],
    isEdgeProxy: false,
    edgeManaged: false,
    customParameters: [],
    commands: [...STANDARD_COMMANDS],
    deviceLabel: "Rally Bar",
    snPrefix: "LO",
    macOui: "44:73:d6",
  },
  {
    id: "3e9c4051-6d74-4fa1-8a5d-8b4c1f6e0d04",
    name: "Cisco Room Bar",
    vendor: "Cisco",
    category: "Video Bar",
    subModels: ["Room Bar", "Room Bar Pro"],
    authentication: "cloud_id",
    apiVersion: "1.0.5",
    hardwareKey: "hk-cisco-room-bar",
    firmwareVersions: ["11.9.2", "11.14.1", "11.17.3"],
    isEdgeProxy: false,
    edgeManaged: false,
    customParameters: [],
    commands: [...STANDARD_COMMANDS, { name: "standby", friendlyName: "Enter standby" }],
    deviceLabel: "Room Bar",
    snPrefix: "CI",
    macOui: "00:1b:d5",
  },
  {
    id: "4fad5162-7e85-40b2-9b6e-9c5d2a7f1e05",
    name: "Shure MXA920",
    vendor: "Shure",
    category: "Microphone Array",
    subModels: ["MXA920-S", "MXA920-R"],
    authentication: "mac_sn",
    apiVersion: "1.0.4",
    hardwareKey: "hk-shure-mxa920",
    firmwareVersions: ["5.8.12", "6.0.3", "6.1.7"],
    isEdgeProxy: false,
    edgeManaged: false,
    customParameters: [],
    commands: [...STANDARD_COMMANDS, { name: "mute", friendlyName: "Mute" }, {
      name: "unmute",
      friendlyName: "Unmute",
    }],
    deviceLabel: "Ceiling Mic",
    snPrefix: "SH",
    macOui: "00:0e:dd",
  },
  {
    id: "5abe6273-8f96-41c3-8c7f-0d6e3b8a2f06",
    name: "Epson EB-PU2010",
    vendor: "Epson",
    category: "Projector",
    subModels: ["EB-PU2010B", "EB-PU2010W"],
    authentication: "mac_sn",
    apiVersion: "1.0.3",
    hardwareKey: "hk-epson-eb-pu2010",
    firmwareVersions: ["1.0.2", "1.0.5"],
    isEdgeProxy: false,
    edgeManaged: true,
    customParameters: EDGE_CREDENTIALS,
    commands: [{ name: "power_on", friendlyName: "Power on" }, {
      name: "power_off",
      friendlyName: "Power off",
    }],
    deviceLabel: "Projector",
    snPrefix: "EP",
    macOui: "64:eb:8c",
  },
  {
    id: "6bcf7384-90a7-42d4-9d80-1e7f4c9b3a07",
    name: "Barco G62-W11",
    vendor: "Barco",
    category: "Projector",
    subModels: ["G62-W11"],
    authentication: "mac_sn",
    apiVersion: "1.0.3",
    hardwareKey: "hk-barco-g62",
    firmwareVersions: ["2.1.0", "2.3.4"],
    isEdgeProxy: false,
    edgeManaged: true,
    customParameters: EDGE_CREDENTIALS,
    commands: [{ name: "power_on", friendlyName: "Power on" }, {
      name: "power_off",
      friendlyName: "Power off",
    }],
    deviceLabel: "Laser Projector",
    snPrefix: "BA",
    macOui: "00:04:a5",
  },
  {
    id: "7cd08495-a1b8-43e5-8e91-2f805dac4b08",
    name: "Q-SYS Core 110f",
    vendor: "QSC",
    category: "Audio DSP",
    subModels: ["Core 110f", "Core 8 Flex"],
    authentication: "mac_sn",
    apiVersion: "1.0.7",
    hardwareKey: "hk-qsys-core-110f",
    firmwareVersions: ["9.8.0", "9.9.1", "9.10.1"],
    isEdgeProxy: false,
    edgeManaged: false,
    customParameters: [],
    commands: [...STANDARD_COMMANDS, { name: "load_snapshot", friendlyName: "Load snapshot" }],
    deviceLabel: "Audio Core",
    snPrefix: "QS",
    macOui: "00:60:74",
  },
  {
    id: "8de195a6-b2c9-44f6-9fa2-309160bd5c09",
    name: "Samsung QM85C",
    vendor: "Samsung",
    category: "Display",
    subModels: ["QM85C", "QM75C"],
    authentication: "mac_sn",
    apiVersion: "1.0.2",
    hardwareKey: "hk-samsung-qm85c",
    firmwareVersions: ["2.1.0", "2.1.4"],
    isEdgeProxy: false,
    edgeManaged: true,
    customParameters: EDGE_CREDENTIALS,
    commands: [{ name: "power_on", friendlyName: "Power on" }, {
      name: "power_off",
      friendlyName: "Power off",
    }, {
      name: "set_input",
      friendlyName: "Switch input",
    }],
    deviceLabel: "Display",
    snPrefix: "SA",
    macOui: "8c:71:f8",
  },
  {
    id: "9ef2a6b7-c3da-4507-80b3-4a1271ce6d10",
    name: "Xyte Edge Proxy EP-100",
    vendor: "Xyte",
    category: "Edge Proxy",
    subModels: ["EP-100"],
    authentication: "mac_sn",
    apiVersion: "1.0.7",
    hardwareKey: "hk-xyte-edge-ep100",
    firmwareVersions: ["2.4.0", "2.5.1"],
    isEdgeProxy: true,
    edgeManaged: false,
    customParameters: [],
    commands: [...STANDARD_COMMANDS, { name: "rescan_network", friendlyName: "Rescan network" }],
    deviceLabel: "Edge Proxy",
    snPrefix: "XY",
    macOui: "02:58:74",
  },
  {
    id: PING_MODEL_ID,
    name: "Heartbeat (Ping) Device",
    vendor: "Generic",
    category: "Network Device",
    subModels: [],
    authentication: "mac_sn",
    apiVersion: "1.0.1",
    hardwareKey: "hk-generic-ping",
    firmwareVersions: ["1.0.0"],
    isEdgeProxy: false,
    edgeManaged: true,
    customParameters: [],
    commands: [],
    deviceLabel: "Network Device",
    snPrefix: "GE",
    macOui: "02:00:00",
  },
];

export const MODEL_INDEX = {
  touchPanel: 0,
  polyBar: 1,
  rallyBar: 2,
  ciscoBar: 3,
  micArray: 4,
  epson: 5,
  barco: 6,
  qsys: 7,
  display: 8,
  edgeProxy: 9,
} as const;

export interface RoomTemplate {
  /** `{n}` is replaced by a running number, `{l}` by a letter. */
  name: string;
  /** Model indexes (into MODEL_TEMPLATES) of the equipment installed in such a room. */
  kit: number[];
}

const M = MODEL_INDEX;
export const ROOM_TEMPLATES: readonly RoomTemplate[] = [
  { name: "Boardroom", kit: [M.touchPanel, M.ciscoBar, M.micArray, M.display, M.qsys] },
  { name: "Huddle {n}", kit: [M.rallyBar, M.display] },
  { name: "Meeting Room {l}", kit: [M.touchPanel, M.polyBar, M.display] },
  { name: "Training Room", kit: [M.epson, M.qsys, M.micArray, M.touchPanel] },
  { name: "Studio {n}", kit: [M.barco, M.qsys, M.micArray, M.rallyBar] },
  { name: "Focus Room {n}", kit: [M.polyBar] },
];

export interface SiteTemplate {
  name: string;
  code: string;
  city: string;
  region: string;
  utcOffset: string;
  lat: number;
  lng: number;
  temperatureUnits: "celsius" | "fahrenheit";
  buildings: string[];
}

export const SITE_TEMPLATES: readonly SiteTemplate[] = [
  {
    name: "Tel Aviv HQ",
    code: "TLV",
    city: "Tel Aviv",
    region: "Israel",
    utcOffset: "+02:00",
    lat: 32.0853,
    lng: 34.7818,
    temperatureUnits: "celsius",
    buildings: ["Tower A", "Tower B"],
  },
  {
    name: "London Office",
    code: "LON",
    city: "London",
    region: "United Kingdom",
    utcOffset: "+00:00",
    lat: 51.5237,
    lng: -0.0823,
    temperatureUnits: "celsius",
    buildings: ["Shoreditch House"],
  },
  {
    name: "New York Studio",
    code: "NYC",
    city: "New York",
    region: "United States",
    utcOffset: "-05:00",
    lat: 40.7536,
    lng: -74.0014,
    temperatureUnits: "fahrenheit",
    buildings: ["Hudson Yards 55", "Chelsea Annex"],
  },
  {
    name: "Berlin Hub",
    code: "BER",
    city: "Berlin",
    region: "Germany",
    utcOffset: "+01:00",
    lat: 52.52,
    lng: 13.405,
    temperatureUnits: "celsius",
    buildings: ["Mitte Loft"],
  },
  {
    name: "Singapore Office",
    code: "SIN",
    city: "Singapore",
    region: "Singapore",
    utcOffset: "+08:00",
    lat: 1.2839,
    lng: 103.8515,
    temperatureUnits: "celsius",
    buildings: ["Marina One East"],
  },
  {
    name: "Toronto Office",
    code: "YYZ",
    city: "Toronto",
    region: "Canada",
    utcOffset: "-05:00",
    lat: 43.6453,
    lng: -79.3806,
    temperatureUnits: "celsius",
    buildings: ["King West Tower"],
  },
  {
    name: "Sydney Office",
    code: "SYD",
    city: "Sydney",
    region: "Australia",
    utcOffset: "+10:00",
    lat: -33.8651,
    lng: 151.2099,
    temperatureUnits: "celsius",
    buildings: ["Barangaroo 1"],
  },
  {
    name: "Austin Campus",
    code: "AUS",
    city: "Austin",
    region: "United States",
    utcOffset: "-06:00",
    lat: 30.2672,
    lng: -97.7431,
    temperatureUnits: "fahrenheit",
    buildings: ["Building 1", "Building 2"],
  },
  {
    name: "Amsterdam Office",
    code: "AMS",
    city: "Amsterdam",
    region: "Netherlands",
    utcOffset: "+01:00",
    lat: 52.3676,
    lng: 4.9041,
    temperatureUnits: "celsius",
    buildings: ["Zuidas Center"],
  },
];

export const ORGANIZATION_NAMES: readonly string[] = [
  "Northwind Collaboration Spaces",
  "Contoso Media Labs",
  "Fabrikam Studios",
  "Tailspin Conference Centers",
  "Litware Learning Campus",
];

export const PARTNER_NAME = "Acme AV Integrations";
export const PARTNER_ID = "c0ffee00-a11c-4e5a-9b1d-5e7a1d0a0001";

export const FIRST_NAMES: readonly string[] = [
  "Noa",
  "Daniel",
  "Maya",
  "Omer",
  "Sarah",
  "James",
  "Priya",
  "Lucas",
  "Emma",
  "Yossi",
  "Chen",
  "Olivia",
  "Ahmed",
  "Sofia",
  "Ethan",
  "Tamar",
  "Liam",
  "Hannah",
  "Mateo",
  "Aisha",
];
export const LAST_NAMES: readonly string[] = [
  "Levi",
  "Cohen",
  "Smith",
  "Patel",
  "Garcia",
  "Mizrahi",
  "Johnson",
  "Wong",
  "Schmidt",
  "Rossi",
  "Brown",
  "Friedman",
  "Tanaka",
  "Okafor",
  "Dubois",
];

export const GROUP_NAMES: readonly string[] = [
  "IT Operations",
  "AV Support",
  "Facilities",
  "Site Leads",
  "Executive Assistants",
];

export interface IncidentTemplate {
  title: string;
  issue: string;
  description: string;
  priority: IncidentPriority;
}

export const INCIDENT_TEMPLATES: readonly IncidentTemplate[] = [
  {
    title: "Device offline",
    issue: "connectivity",
    description: "No heartbeat received for more than 15 minutes.",
    priority: "high",
  },
  {
    title: "High temperature",
    issue: "temperature",
    description: "Internal temperature above the configured threshold.",
    priority: "moderate",
  },
  {
    title: "Firmware out of date",
    issue: "firmware",
    description: "Device runs a firmware older than the latest approved release.",
    priority: "low",
  },
  {
    title: "Camera disconnected",
    issue: "peripheral",
    description: "The conference camera is not detected by the codec.",
    priority: "high",
  },
  {
    title: "Microphone muted for 2 hours",
    issue: "audio",
    description: "Array stayed muted outside of a scheduled meeting.",
    priority: "low",
  },
  {
    title: "Lamp hours exceeded",
    issue: "maintenance",
    description: "Light source passed the maintenance interval.",
    priority: "planning",
  },
  {
    title: "DSP CPU overload",
    issue: "performance",
    description: "Core CPU load above 90% for 10 minutes.",
    priority: "critical",
  },
  {
    title: "Touch panel unresponsive",
    issue: "hardware",
    description: "Panel stopped reporting touch events.",
    priority: "moderate",
  },
];

export interface TicketTemplate {
  title: string;
  description: string;
  thread: string[];
}

export const TICKET_TEMPLATES: readonly TicketTemplate[] = [
  {
    title: "Boardroom display does not turn on",
    description: "The main display stays black when a meeting starts from the panel.",
    thread: [
      "Display shows no power LED since this morning.",
      "Thanks, we see the display as disconnected. Can someone check the power strip?",
      "Power strip was switched off by cleaning staff, works now.",
    ],
  },
  {
    title: "Echo on calls in huddle room",
    description: "Remote participants hear themselves with a delay.",
    thread: ["Happens on every Teams call since Tuesday.", "We pushed an AEC profile update, please retest."],
  },
  {
    title: "Projector flickering",
    description: "Image flickers every few seconds in the training room.",
    thread: ["Started after the firmware update last week."],
  },
  {
    title: "Cannot join calls from the video bar",
    description: "Join button on the bar does nothing for scheduled meetings.",
    thread: [
      "Calendar sync shows the meeting, but join fails.",
      "Looks like an expired room account password.",
    ],
  },
  {
    title: "Touch panel shows wrong room name",
    description: "Panel header shows the old room name after the floor renovation.",
    thread: [],
  },
  {
    title: "Request: schedule firmware updates after hours",
    description: "Please apply device firmware updates outside 08:00-19:00 local time.",
    thread: ["Agreed, we will use the maintenance window on Saturdays."],
  },
  {
    title: "Ceiling mic picks up HVAC noise",
    description: "Constant hum in recordings from the studio.",
    thread: ["Could you share a recording sample?", "Uploaded to the shared folder."],
  },
  {
    title: "Edge proxy lost connection to displays",
    description: "All displays on floor 2 show as disconnected.",
    thread: ["Switch port VLAN changed during network maintenance."],
  },
];

export interface AssetTemplate {
  name: string;
  manufacturer: string;
  deviceModel: string;
  deviceType: string;
  iconName: string;
}

export const ASSET_TEMPLATES: readonly AssetTemplate[] = [
  {
    name: "Interactive Whiteboard",
    manufacturer: "Samsung",
    deviceModel: "Flip Pro WM75B",
    deviceType: "Whiteboard",
    iconName: "whiteboard",
  },
  {
    name: "HDMI Matrix Switcher",
    manufacturer: "Extron",
    deviceModel: "DXP 84 HD 4K",
    deviceType: "Switcher",
    iconName: "switch",
  },
  {
    name: "Wireless Presenter",
    manufacturer: "Logitech",
    deviceModel: "Spotlight",
    deviceType: "Accessory",
    iconName: "remote",
  },
  {
    name: "Document Camera",
    manufacturer: "IPEVO",
    deviceModel: "VZ-X",
    deviceType: "Camera",
    iconName: "camera",
  },
  {
    name: "Wireless Presentation Hub",
    manufacturer: "Barco",
    deviceModel: "ClickShare CX-50",
    deviceType: "Presentation",
    iconName: "cast",
  },
  {
    name: "Room Scheduling Panel",
    manufacturer: "Crestron",
    deviceModel: "TSS-770",
    deviceType: "Scheduler",
    iconName: "calendar",
  },
];

export const ASSET_STATUSES: readonly string[] = ["In use", "In storage", "Needs repair", "Retired"];

export const LICENSE_PRODUCTS: readonly { id: string; name: string; modelIndex: number | null }[] = [
  { id: "d1a5e0c2-7b34-4f61-9e2a-1c0d3b4a5f01", name: "Xyte Device License - Standard", modelIndex: null },
  { id: "d1a5e0c2-7b34-4f61-9e2a-1c0d3b4a5f02", name: "Premium Monitoring - Video Bars", modelIndex: 2 },
  { id: "d1a5e0c2-7b34-4f61-9e2a-1c0d3b4a5f03", name: "Extended Warranty 3y - Projectors", modelIndex: 5 },
  { id: "d1a5e0c2-7b34-4f61-9e2a-1c0d3b4a5f04", name: "Q-SYS Scripting Feature License", modelIndex: 7 },
];

export const DEVICE_NOTE_TEXTS: readonly string[] = [
  "Replaced HDMI cable on the table box.",
  "Mounted on a new bracket after the renovation.",
  "Firmware pinned until the vendor fixes the AEC regression.",
  "Power supply swapped under warranty.",
  "Admin password rotated, stored in the vault.",
  "Camera preset 1 recalibrated for the new table layout.",
];

export const SPACE_NOTE_TEXTS: readonly string[] = [
  "Room booked for the board meeting every Monday 09:00.",
  "Ceiling access requires facilities escort.",
  "Network closet key is at reception.",
  "Renovation planned for next quarter.",
];
