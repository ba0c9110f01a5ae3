/** An organization whose collections are seeded on first access (keeps simulator creation cheap). */
import type {
  AssetLabelCategory,
  SimAsset,
  SimDevice,
  SimDeviceNote,
  SimEdgeJob,
  SimFile,
  SimGroup,
  SimHistoryRow,
  SimIncident,
  SimLabel,
  SimLicense,
  SimOrganization,
  SimSpace,
  SimSpaceNote,
  SimTicket,
  SimUser,
} from "./types.ts";

/** The collections of an organization, materialized (and seeded) on first access. */
type OrganizationCollections = Pick<
  SimOrganization,
  | "spaces"
  | "devices"
  | "incidents"
  | "tickets"
  | "users"
  | "groups"
  | "assets"
  | "assetLabels"
  | "licenses"
  | "deviceNotes"
  | "spaceNotes"
  | "files"
  | "edgeJobs"
>;

export interface OrganizationIdentity {
  id: string;
  key: string;
  name: string;
  seed: number;
  createdAtMs: number;
  pendingInvoices: number;
  /** First integer id of this organization (its root space gets it). */
  firstIntegerId: number;
}

/** Fills the (empty, root space only) collections of a freshly materialized organization. */
export type OrganizationSeeder = (org: SimOrganization) => void;
/** Produces the seeded state history of an organization. */
export type HistorySeeder = (org: SimOrganization) => SimHistoryRow[];

export class LazyOrganization implements SimOrganization {
  id: string;
  key: string;
  name: string;
  seed: number;
  createdAtMs: number;
  lab = false;
  domain: string;
  mobileDomain: string;
  pricingPlan = "enterprise";
  contacts: SimOrganization["contacts"];
  pendingInvoices: number;
  rootSpaceId: number;
  nextIntegerId: number;
  #collections: OrganizationCollections | null = null;
  #seeder: OrganizationSeeder | null;
  #history: SimHistoryRow[] | null = null;
  #historySeeder: HistorySeeder | null;

  constructor(
    identity: OrganizationIdentity,
    seeder: OrganizationSeeder | null,
    historySeeder: HistorySeeder | null,
  ) {
    const slug = identity.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "org";
    this.id = identity.id;
    this.key = identity.key;
    this.name = identity.name;
    this.seed = identity.seed;
    this.createdAtMs = identity.createdAtMs;
    this.domain = `${slug}.example.com`;
    this.mobileDomain = `m.${slug}.example.com`;
    this.contacts = {
      adminEmail: `it-admin@${slug}.example.com`,
      adminName: "IT Administrator",
      financeEmail: `finance@${slug}.example.com`,
      financeName: "Accounts Payable",
    };
    this.pendingInvoices = identity.pendingInvoices;
    this.rootSpaceId = identity.firstIntegerId;
    this.nextIntegerId = identity.firstIntegerId + 1;
    this.#seeder = seeder;
    this.#historySeeder = historySeeder;
  }

  #data(): OrganizationCollections {
    if (this.#collections === null) {
      this.#collections = {
        spaces: [{
          id: this.rootSpaceId,
          name: this.name,
          parentId: null,
          config: {},
          createdAtMs: this.createdAtMs,
          updatedAtMs: this.createdAtMs,
        }],
        devices: [],
        incidents: [],
        tickets: [],
        users: [],
        groups: [],
        assets: [],
        assetLabels: { manufacturer: [], device_model: [], device_type: [], status: [] },
        licenses: [],
        deviceNotes: [],
        spaceNotes: [],
        files: [],
        edgeJobs: [],
      };
      const seeder = this.#seeder;
      this.#seeder = null;
      seeder?.(this);
    }
    return this.#collections;
  }

  get spaces(): SimSpace[] {
    return this.#data().spaces;
  }
  set spaces(value: SimSpace[]) {
    this.#data().spaces = value;
  }
  get devices(): SimDevice[] {
    return this.#data().devices;
  }
  set devices(value: SimDevice[]) {
    this.#data().devices = value;
  }
  get incidents(): SimIncident[] {
    return this.#data().incidents;
  }
  set incidents(value: SimIncident[]) {
    this.#data().incidents = value;
  }
  get tickets(): SimTicket[] {
    return this.#data().tickets;
  }
  set tickets(value: SimTicket[]) {
    this.#data().tickets = value;
  }
  get users(): SimUser[] {
    return this.#data().users;
  }
  set users(value: SimUser[]) {
    this.#data().users = value;
  }
  get groups(): SimGroup[] {
    return this.#data().groups;
  }
  set groups(value: SimGroup[]) {
    this.#data().groups = value;
  }
  get assets(): SimAsset[] {
    return this.#data().assets;
  }
  set assets(value: SimAsset[]) {
    this.#data().assets = value;
  }
  get assetLabels(): Record<AssetLabelCategory, SimLabel[]> {
    return this.#data().assetLabels;
  }
  set assetLabels(value: Record<AssetLabelCategory, SimLabel[]>) {
    this.#data().assetLabels = value;
  }
  get licenses(): SimLicense[] {
    return this.#data().licenses;
  }
  set licenses(value: SimLicense[]) {
    this.#data().licenses = value;
  }
  get deviceNotes(): SimDeviceNote[] {
    return this.#data().deviceNotes;
  }
  set deviceNotes(value: SimDeviceNote[]) {
    this.#data().deviceNotes = value;
  }
  get spaceNotes(): SimSpaceNote[] {
    return this.#data().spaceNotes;
  }
  set spaceNotes(value: SimSpaceNote[]) {
    this.#data().spaceNotes = value;
  }
  get files(): SimFile[] {
    return this.#data().files;
  }
  set files(value: SimFile[]) {
    this.#data().files = value;
  }
  get edgeJobs(): SimEdgeJob[] {
    return this.#data().edgeJobs;
  }
  set edgeJobs(value: SimEdgeJob[]) {
    this.#data().edgeJobs = value;
  }
  /** Plain-data snapshot (accessors live on the prototype); the large `history` is left out. */
  toJSON(): Record<string, unknown> {
    const { id, key, name, seed, createdAtMs, lab, domain, mobileDomain, pricingPlan, contacts } = this;
    return {
      id,
      key,
      name,
      seed,
      createdAtMs,
      lab,
      domain,
      mobileDomain,
      pricingPlan,
      contacts,
      pendingInvoices: this.pendingInvoices,
      rootSpaceId: this.rootSpaceId,
      nextIntegerId: this.nextIntegerId,
      ...this.#data(),
    };
  }

  get history(): SimHistoryRow[] {
    if (this.#history === null) {
      const seeder = this.#historySeeder;
      this.#historySeeder = null;
      this.#history = seeder ? seeder(this) : [];
    }
    return this.#history;
  }
  set history(value: SimHistoryRow[]) {
    this.#history = value;
  }
}
