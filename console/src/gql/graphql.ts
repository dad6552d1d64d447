/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AdjustPointsInput = {
  delta: number;
  idempotencyKey?: string | null | undefined;
  membershipId: string | number;
  reason: string;
};

export type CouponStatus =
  | 'EXPIRED'
  | 'ISSUED'
  | 'REDEEMED'
  | 'VOID';

export type CustomerFilter = {
  createdAfter?: string | null | undefined;
  createdBefore?: string | null | undefined;
  /** The node's whole subtree. */
  nodeId?: string | number | null | undefined;
  /** Words found (case-insensitive) in name, email, phone or externalRef. */
  search?: string | null | undefined;
  /** Customers having all these tags. */
  tags?: Array<string> | null | undefined;
  /** Membership tiers. */
  tierIds?: Array<string | number> | null | undefined;
};

/** Sort order; ties are broken by id, so paging is stable. */
export type CustomerOrder = {
  direction?: SortDirection;
  field?: CustomerOrderField;
};

export type CustomerOrderField =
  | 'CREATED_AT'
  | 'NAME'
  | 'UPDATED_AT';

export type ErrorCode =
  | 'CONFLICT'
  | 'EXPIRED'
  | 'FORBIDDEN'
  | 'ILLEGAL_TRANSITION'
  | 'INSUFFICIENT_POINTS'
  | 'INVALID'
  | 'NOT_FOUND';

export type EventType =
  | 'CAMPAIGN_CANCELLED'
  | 'CAMPAIGN_CREATED'
  | 'CAMPAIGN_LAUNCHED'
  | 'CONSENT_CHANGED'
  | 'COUPON_ISSUED'
  | 'COUPON_REDEEMED'
  | 'CUSTOMER_CREATED'
  | 'CUSTOMER_ERASED'
  | 'CUSTOMER_MERGED'
  | 'CUSTOMER_UPDATED'
  | 'INTERACTION_LOGGED'
  | 'MESSAGE_SENT'
  | 'OPPORTUNITY_CREATED'
  | 'OPPORTUNITY_LOST'
  | 'OPPORTUNITY_STAGE_CHANGED'
  | 'OPPORTUNITY_WON'
  | 'ORDER_CANCELLED'
  | 'ORDER_FULFILLED'
  | 'ORDER_PAID'
  | 'ORDER_PLACED'
  | 'ORDER_REFUNDED'
  | 'POINTS_CHANGED'
  | 'SEGMENT_CREATED'
  | 'SEGMENT_DELETED'
  | 'SEGMENT_UPDATED'
  | 'TICKET_OPENED'
  | 'TICKET_UPDATED'
  | 'TIER_CHANGED'
  | 'TIER_NODE_CHANGED'
  | 'WEBHOOK_DISABLED';

export type InteractionKind =
  | 'CALL'
  | 'EMAIL'
  | 'MESSAGE'
  | 'NOTE'
  | 'VISIT';

export type LogInteractionInput = {
  channel?: string;
  customerId: string | number;
  kind: InteractionKind;
  occurredAt?: string | null | undefined;
  summary: string;
};

export type LoginInput = {
  email: string;
  password: string;
  /** Tenant slug, needed only when the email exists in several tenants. */
  tenant?: string | null | undefined;
};

export type OpenTicketInput = {
  customerId: string | number;
  description: string;
  priority?: TicketPriority;
  subject: string;
};

export type OpportunityStatus =
  | 'LOST'
  | 'OPEN'
  | 'WON';

export type OrderStatus =
  | 'CANCELLED'
  | 'FULFILLED'
  | 'PAID'
  | 'PENDING'
  | 'REFUNDED';

export type PointsReason =
  | 'ADJUST'
  | 'EARN'
  | 'EXPIRE'
  | 'MERGE'
  | 'REDEEM'
  | 'REFUND';

/** See docs/analytics.md. */
export type RfmSegment =
  | 'ABOUT_TO_SLEEP'
  | 'AT_RISK'
  | 'CANNOT_LOSE'
  | 'CHAMPIONS'
  | 'HIBERNATING'
  | 'LOST'
  | 'LOYAL'
  | 'NEED_ATTENTION'
  | 'NEW_CUSTOMER'
  | 'POTENTIAL_LOYALIST'
  | 'PROMISING';

export type Role =
  | 'ADMIN'
  | 'INTEGRATOR'
  | 'MANAGER'
  | 'SALES'
  | 'SUPPORT';

export type SortDirection =
  | 'ASC'
  | 'DESC';

export type TicketPriority =
  | 'HIGH'
  | 'LOW'
  | 'NORMAL'
  | 'URGENT';

export type TicketStatus =
  | 'CLOSED'
  | 'IN_PROGRESS'
  | 'OPEN'
  | 'RESOLVED'
  | 'WAITING';

export type LoginMutationVariables = Exact<{
  input: LoginInput;
}>;


export type LoginMutation = { login: { token: string | null, errors: Array<{ field: Array<string> | null, code: ErrorCode, message: string }> } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, name: string, email: string, role: Role, locale: string, scope: { id: string, name: string, settings: { timezone: string | null, currency: string | null, locale: string | null } } } };

export type TreeRootQueryVariables = Exact<{ [key: string]: never; }>;


export type TreeRootQuery = { tierTree: { id: string, code: string, name: string, kind: string, depth: number, children: { totalCount: number }, rollup: { customerCount: number, memberCount: number, openTicketCount: number, revenue: { amount: string, currency: string } } } };

export type TreeNodeFragment = { id: string, code: string, name: string, kind: string, depth: number, children: { totalCount: number }, rollup: { customerCount: number, memberCount: number, openTicketCount: number, revenue: { amount: string, currency: string } } };

export type TreeChildrenQueryVariables = Exact<{
  id: string | number;
  after?: string | null | undefined;
}>;


export type TreeChildrenQuery = { node:
    | { __typename: 'ApiToken' }
    | { __typename: 'AuditEntry' }
    | { __typename: 'Campaign' }
    | { __typename: 'Coupon' }
    | { __typename: 'Customer' }
    | { __typename: 'Interaction' }
    | { __typename: 'Membership' }
    | { __typename: 'MembershipProgram' }
    | { __typename: 'MembershipTier' }
    | { __typename: 'Opportunity' }
    | { __typename: 'Order' }
    | { __typename: 'Pipeline' }
    | { __typename: 'PointsEntry' }
    | { __typename: 'Segment' }
    | { __typename: 'Staff' }
    | { __typename: 'Task' }
    | { __typename: 'Ticket' }
    | { __typename: 'TierNode', id: string, children: { edges: Array<{ node: { id: string, code: string, name: string, kind: string, depth: number, children: { totalCount: number }, rollup: { customerCount: number, memberCount: number, openTicketCount: number, revenue: { amount: string, currency: string } } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } }
    | { __typename: 'Webhook' }
    | { __typename: 'WebhookDelivery' }
   | null };

export type NodeSettingsQueryVariables = Exact<{
  id: string | number;
}>;


export type NodeSettingsQuery = { node:
    | { __typename: 'ApiToken' }
    | { __typename: 'AuditEntry' }
    | { __typename: 'Campaign' }
    | { __typename: 'Coupon' }
    | { __typename: 'Customer' }
    | { __typename: 'Interaction' }
    | { __typename: 'Membership' }
    | { __typename: 'MembershipProgram' }
    | { __typename: 'MembershipTier' }
    | { __typename: 'Opportunity' }
    | { __typename: 'Order' }
    | { __typename: 'Pipeline' }
    | { __typename: 'PointsEntry' }
    | { __typename: 'Segment' }
    | { __typename: 'Staff' }
    | { __typename: 'Task' }
    | { __typename: 'Ticket' }
    | { __typename: 'TierNode', id: string, name: string, ownSettings: { currency: string | null, locale: string | null, timezone: string | null, membershipProgram: { id: string, name: string } | null }, settings: { currency: string | null, locale: string | null, timezone: string | null, membershipProgram: { id: string, name: string } | null } }
    | { __typename: 'Webhook' }
    | { __typename: 'WebhookDelivery' }
   | null };

export type SearchOptionsQueryVariables = Exact<{ [key: string]: never; }>;


export type SearchOptionsQuery = { membershipPrograms: Array<{ id: string, name: string, tiers: Array<{ id: string, name: string, rank: number }> }>, tierTree: { id: string, name: string, descendants: { edges: Array<{ node: { id: string, name: string, depth: number } }> } } };

export type SearchCustomersQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: CustomerFilter | null | undefined;
  orderBy?: CustomerOrder | null | undefined;
}>;


export type SearchCustomersQuery = { customers: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, email: string | null, externalRef: string | null, tags: Array<string>, createdAt: string, node: { id: string, name: string }, membership: { id: string, pointsBalance: number, tier: { id: string, name: string } } | null } }> } };

export type CustomerPageQueryVariables = Exact<{
  id: string | number;
}>;


export type CustomerPageQuery = { customer: { id: string, name: string, email: string | null, phone: string | null, externalRef: string | null, locale: string | null, tags: Array<string>, createdAt: string, node: { id: string, name: string, code: string, settings: { timezone: string | null, currency: string | null, locale: string | null } }, lifetimeValue: { amount: string, currency: string }, membership: { id: string, pointsBalance: number, qualifyingPoints: number, joinedAt: string, program: { id: string, name: string }, tier: { id: string, name: string }, coupons: Array<{ id: string, code: string, status: CouponStatus, percentOff: string | null, expiresAt: string | null, amountOff: { amount: string, currency: string } | null }>, pointsLedger: { edges: Array<{ node: { id: string, delta: number, balanceAfter: number, reason: PointsReason, note: string | null, createdAt: string } }> } } | null, orders: { totalCount: number, edges: Array<{ node: { id: string, number: string, status: OrderStatus, placedAt: string, total: { amount: string, currency: string } } }> }, tickets: { totalCount: number, edges: Array<{ node: { id: string, number: string, subject: string, status: TicketStatus, priority: TicketPriority, slaDueAt: string, slaBreached: boolean } }> }, interactions: { totalCount: number, edges: Array<{ node: { id: string, kind: InteractionKind, channel: string, summary: string, occurredAt: string, staff: { id: string, name: string } } }> } } | null };

export type TimelineQueryVariables = Exact<{
  id: string | number;
  after?: string | null | undefined;
}>;


export type TimelineQuery = { customer: { id: string, timeline: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node:
          | { __typename: 'Interaction', id: string, kind: InteractionKind, summary: string, occurredAt: string, staff: { name: string } }
          | { __typename: 'Opportunity', id: string, title: string, createdAt: string, opportunityStatus: OpportunityStatus, amount: { amount: string, currency: string } }
          | { __typename: 'Order', id: string, number: string, placedAt: string, orderStatus: OrderStatus, total: { amount: string, currency: string } }
          | { __typename: 'PointsEntry', id: string, delta: number, reason: PointsReason, note: string | null, createdAt: string }
          | { __typename: 'Ticket', id: string, number: string, subject: string, createdAt: string, ticketStatus: TicketStatus }
          | { __typename: 'TierChange', at: string, tierReason: string, from: { name: string } | null, to: { name: string } }
         }> } } | null };

export type LogInteractionMutationVariables = Exact<{
  input: LogInteractionInput;
}>;


export type LogInteractionMutation = { logInteraction: { interaction: { id: string } | null, errors: Array<{ field: Array<string> | null, code: ErrorCode, message: string }> } };

export type OpenTicketMutationVariables = Exact<{
  input: OpenTicketInput;
}>;


export type OpenTicketMutation = { openTicket: { ticket: { id: string, number: string } | null, errors: Array<{ field: Array<string> | null, code: ErrorCode, message: string }> } };

export type AdjustPointsMutationVariables = Exact<{
  input: AdjustPointsInput;
}>;


export type AdjustPointsMutation = { adjustPoints: { membership: { id: string, pointsBalance: number } | null, errors: Array<{ field: Array<string> | null, code: ErrorCode, message: string }> } };

export type ReportsQueryVariables = Exact<{
  from?: string | null | undefined;
}>;


export type ReportsQuery = { reports: { salesByNode: { node: { id: string, name: string }, rows: Array<{ period: string, orders: number, node: { id: string, name: string }, revenue: { amount: string, currency: string } }> } | null, tierDistribution: { counts: Array<{ members: number, node: { id: string, name: string }, tier: { id: string, name: string, rank: number } }> } | null, rfm: { segments: Array<{ segment: RfmSegment, customers: number }> } | null, ticketSla: { rows: Array<{ opened: number, resolved: number, breached: number, medianResolutionSeconds: string | null, node: { id: string, name: string } }> } | null } };

export type EventsSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type EventsSubscription = { events: { cursor: string, type: EventType, occurredAt: string, node: { id: string, name: string } | null, subject:
      | { __typename: 'ApiToken', id: string }
      | { __typename: 'AuditEntry', id: string }
      | { __typename: 'Campaign', id: string }
      | { __typename: 'Coupon', id: string }
      | { __typename: 'Customer', name: string, id: string }
      | { __typename: 'Interaction', summary: string, id: string, customer: { id: string, name: string } }
      | { __typename: 'Membership', id: string }
      | { __typename: 'MembershipProgram', id: string }
      | { __typename: 'MembershipTier', id: string }
      | { __typename: 'Opportunity', id: string }
      | { __typename: 'Order', number: string, id: string }
      | { __typename: 'Pipeline', id: string }
      | { __typename: 'PointsEntry', id: string }
      | { __typename: 'Segment', id: string }
      | { __typename: 'Staff', id: string }
      | { __typename: 'Task', id: string }
      | { __typename: 'Ticket', number: string, subject: string, id: string }
      | { __typename: 'TierNode', id: string }
      | { __typename: 'Webhook', id: string }
      | { __typename: 'WebhookDelivery', id: string }
     | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const TreeNodeFragmentDoc = new TypedDocumentString(`
    fragment TreeNode on TierNode {
  id
  code
  name
  kind
  depth
  children(first: 0) {
    totalCount
  }
  rollup {
    customerCount
    memberCount
    openTicketCount
    revenue {
      amount
      currency
    }
  }
}
    `, {"fragmentName":"TreeNode"}) as unknown as TypedDocumentString<TreeNodeFragment, unknown>;
export const LoginDocument = new TypedDocumentString(`
    mutation Login($input: LoginInput!) {
  login(input: $input) {
    token
    errors {
      field
      code
      message
    }
  }
}
    `, {"hash":"sha256:7e7b38277b06967b303b1e9d31eb4091754b547a3b57d73f6aec6b3685c00ea8"}) as unknown as TypedDocumentString<LoginMutation, LoginMutationVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    name
    email
    role
    locale
    scope {
      id
      name
      settings {
        timezone
        currency
        locale
      }
    }
  }
}
    `, {"hash":"sha256:314829eb823bb531e8a4853f590bad4c1ae4e12d5ca15be234e1c39aa3dae10d"}) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const TreeRootDocument = new TypedDocumentString(`
    query TreeRoot {
  tierTree {
    ...TreeNode
  }
}
    fragment TreeNode on TierNode {
  id
  code
  name
  kind
  depth
  children(first: 0) {
    totalCount
  }
  rollup {
    customerCount
    memberCount
    openTicketCount
    revenue {
      amount
      currency
    }
  }
}`, {"hash":"sha256:267c3b07633c907fcf129318dc6b292f79a42e784a54e607171e3b6db73cde22"}) as unknown as TypedDocumentString<TreeRootQuery, TreeRootQueryVariables>;
export const TreeChildrenDocument = new TypedDocumentString(`
    query TreeChildren($id: ID!, $after: String) {
  node(id: $id) {
    __typename
    ... on TierNode {
      id
      children(first: 50, after: $after) {
        edges {
          node {
            ...TreeNode
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
}
    fragment TreeNode on TierNode {
  id
  code
  name
  kind
  depth
  children(first: 0) {
    totalCount
  }
  rollup {
    customerCount
    memberCount
    openTicketCount
    revenue {
      amount
      currency
    }
  }
}`, {"hash":"sha256:f5981b606d3804e0aec0aa5ec1250a36df5d59db11e5fa056bb6aac6cf5ced75"}) as unknown as TypedDocumentString<TreeChildrenQuery, TreeChildrenQueryVariables>;
export const NodeSettingsDocument = new TypedDocumentString(`
    query NodeSettings($id: ID!) {
  node(id: $id) {
    __typename
    ... on TierNode {
      id
      name
      ownSettings {
        currency
        locale
        timezone
        membershipProgram {
          id
          name
        }
      }
      settings {
        currency
        locale
        timezone
        membershipProgram {
          id
          name
        }
      }
    }
  }
}
    `, {"hash":"sha256:20e27cf74c8d1476413f9f5cb8babbf897c127a81e24f0d02205fdc14c461329"}) as unknown as TypedDocumentString<NodeSettingsQuery, NodeSettingsQueryVariables>;
export const SearchOptionsDocument = new TypedDocumentString(`
    query SearchOptions {
  membershipPrograms {
    id
    name
    tiers {
      id
      name
      rank
    }
  }
  tierTree {
    id
    name
    descendants(first: 100, maxDepth: 3) {
      edges {
        node {
          id
          name
          depth
        }
      }
    }
  }
}
    `, {"hash":"sha256:45646c81061ab9217dfe638601c7b289512222f896bf573ae514ad992014566c"}) as unknown as TypedDocumentString<SearchOptionsQuery, SearchOptionsQueryVariables>;
export const SearchCustomersDocument = new TypedDocumentString(`
    query SearchCustomers($first: Int!, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {
  customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        id
        name
        email
        externalRef
        tags
        createdAt
        node {
          id
          name
        }
        membership {
          id
          pointsBalance
          tier {
            id
            name
          }
        }
      }
    }
  }
}
    `, {"hash":"sha256:53a2d3958e5b01ae42d3911ffb110f40f36f05c172126a1cf203f5723b25cc0e"}) as unknown as TypedDocumentString<SearchCustomersQuery, SearchCustomersQueryVariables>;
export const CustomerPageDocument = new TypedDocumentString(`
    query CustomerPage($id: ID!) {
  customer(id: $id) {
    id
    name
    email
    phone
    externalRef
    locale
    tags
    createdAt
    node {
      id
      name
      code
      settings {
        timezone
        currency
        locale
      }
    }
    lifetimeValue {
      amount
      currency
    }
    membership {
      id
      pointsBalance
      qualifyingPoints
      joinedAt
      program {
        id
        name
      }
      tier {
        id
        name
      }
      coupons {
        id
        code
        status
        percentOff
        expiresAt
        amountOff {
          amount
          currency
        }
      }
      pointsLedger(first: 10) {
        edges {
          node {
            id
            delta
            balanceAfter
            reason
            note
            createdAt
          }
        }
      }
    }
    orders(first: 10) {
      totalCount
      edges {
        node {
          id
          number
          status
          placedAt
          total {
            amount
            currency
          }
        }
      }
    }
    tickets(first: 10) {
      totalCount
      edges {
        node {
          id
          number
          subject
          status
          priority
          slaDueAt
          slaBreached
        }
      }
    }
    interactions(first: 10) {
      totalCount
      edges {
        node {
          id
          kind
          channel
          summary
          occurredAt
          staff {
            id
            name
          }
        }
      }
    }
  }
}
    `, {"hash":"sha256:34c3000ec16d8dc68aa1461718596753f09409895e1bb496f3ee8ca3a3346fea"}) as unknown as TypedDocumentString<CustomerPageQuery, CustomerPageQueryVariables>;
export const TimelineDocument = new TypedDocumentString(`
    query Timeline($id: ID!, $after: String) {
  customer(id: $id) {
    id
    timeline(first: 20, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          __typename
          ... on Order {
            id
            number
            orderStatus: status
            placedAt
            total {
              amount
              currency
            }
          }
          ... on Ticket {
            id
            number
            subject
            ticketStatus: status
            createdAt
          }
          ... on Interaction {
            id
            kind
            summary
            occurredAt
            staff {
              name
            }
          }
          ... on PointsEntry {
            id
            delta
            reason
            note
            createdAt
          }
          ... on TierChange {
            at
            tierReason: reason
            from {
              name
            }
            to {
              name
            }
          }
          ... on Opportunity {
            id
            title
            opportunityStatus: status
            createdAt
            amount {
              amount
              currency
            }
          }
        }
      }
    }
  }
}
    `, {"hash":"sha256:51f84b1eece5b74d7a2703a242ba32b835788f0f11e8f2e25c19427ed66c2f16"}) as unknown as TypedDocumentString<TimelineQuery, TimelineQueryVariables>;
export const LogInteractionDocument = new TypedDocumentString(`
    mutation LogInteraction($input: LogInteractionInput!) {
  logInteraction(input: $input) {
    interaction {
      id
    }
    errors {
      field
      code
      message
    }
  }
}
    `, {"hash":"sha256:1f16bccc1915a02eb082447a44baaeb58555ae71ee128f39b8d5cdfe9efe8c10"}) as unknown as TypedDocumentString<LogInteractionMutation, LogInteractionMutationVariables>;
export const OpenTicketDocument = new TypedDocumentString(`
    mutation OpenTicket($input: OpenTicketInput!) {
  openTicket(input: $input) {
    ticket {
      id
      number
    }
    errors {
      field
      code
      message
    }
  }
}
    `, {"hash":"sha256:8602cfda29ec59d896819e09ee384646feb6154a542de06631776bc6e897a521"}) as unknown as TypedDocumentString<OpenTicketMutation, OpenTicketMutationVariables>;
export const AdjustPointsDocument = new TypedDocumentString(`
    mutation AdjustPoints($input: AdjustPointsInput!) {
  adjustPoints(input: $input) {
    membership {
      id
      pointsBalance
    }
    errors {
      field
      code
      message
    }
  }
}
    `, {"hash":"sha256:5328af020435056dad94cfab04a1344ac8ccb3646d378e64f66cb670e91010fa"}) as unknown as TypedDocumentString<AdjustPointsMutation, AdjustPointsMutationVariables>;
export const ReportsDocument = new TypedDocumentString(`
    query Reports($from: DateTime) {
  reports {
    salesByNode(from: $from, groupBy: MONTH) {
      node {
        id
        name
      }
      rows {
        period
        node {
          id
          name
        }
        revenue {
          amount
          currency
        }
        orders
      }
    }
    tierDistribution {
      counts {
        node {
          id
          name
        }
        tier {
          id
          name
          rank
        }
        members
      }
    }
    rfm {
      segments {
        segment
        customers
      }
    }
    ticketSla(from: $from) {
      rows {
        node {
          id
          name
        }
        opened
        resolved
        breached
        medianResolutionSeconds
      }
    }
  }
}
    `, {"hash":"sha256:bdcdc82bb529ca556bd5c6fe81e6a09c7fc7b6154fd9a1d60b87c994933b6215"}) as unknown as TypedDocumentString<ReportsQuery, ReportsQueryVariables>;
export const EventsDocument = new TypedDocumentString(`
    subscription Events($after: String) {
  events(after: $after) {
    cursor
    type
    occurredAt
    node {
      id
      name
    }
    subject {
      __typename
      id
      ... on Customer {
        name
      }
      ... on Interaction {
        summary
        customer {
          id
          name
        }
      }
      ... on Order {
        number
      }
      ... on Ticket {
        number
        subject
      }
    }
  }
}
    `, {"hash":"sha256:cae15354b9fd6b6557199e5dd2278d99929d3159600db5cdfb4b5930dc69d310"}) as unknown as TypedDocumentString<EventsSubscription, EventsSubscriptionVariables>;