/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) { token errors { field code message } }\n  }\n": typeof types.LoginDocument,
    "\n  query Me {\n    me {\n      id name email role locale\n      scope { id name settings { timezone currency locale } }\n    }\n  }\n": typeof types.MeDocument,
    "\n  query TreeRoot {\n    tierTree { ...TreeNode }\n  }\n  fragment TreeNode on TierNode {\n    id code name kind depth\n    children(first: 0) { totalCount }\n    rollup { customerCount memberCount openTicketCount revenue { amount currency } }\n  }\n": typeof types.TreeRootDocument,
    "\n  query TreeChildren($id: ID!, $after: String) {\n    node(id: $id) {\n      __typename\n      ... on TierNode {\n        id\n        children(first: 50, after: $after) {\n          edges { node { ...TreeNode } }\n          pageInfo { hasNextPage endCursor }\n        }\n      }\n    }\n  }\n": typeof types.TreeChildrenDocument,
    "\n  query NodeSettings($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on TierNode {\n        id name\n        ownSettings { currency locale timezone membershipProgram { id name } }\n        settings { currency locale timezone membershipProgram { id name } }\n      }\n    }\n  }\n": typeof types.NodeSettingsDocument,
    "\n  query SearchOptions {\n    membershipPrograms { id name tiers { id name rank } }\n    tierTree { id name descendants(first: 100, maxDepth: 3) { edges { node { id name depth } } } }\n  }\n": typeof types.SearchOptionsDocument,
    "\n  query SearchCustomers($first: Int!, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {\n    customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        cursor\n        node {\n          id name email externalRef tags createdAt\n          node { id name }\n          membership { id pointsBalance tier { id name } }\n        }\n      }\n    }\n  }\n": typeof types.SearchCustomersDocument,
    "\n  query CustomerPage($id: ID!) {\n    customer(id: $id) {\n      id name email phone externalRef locale tags createdAt\n      node { id name code settings { timezone currency locale } }\n      lifetimeValue { amount currency }\n      membership {\n        id pointsBalance qualifyingPoints joinedAt\n        program { id name }\n        tier { id name }\n        coupons { id code status percentOff expiresAt amountOff { amount currency } }\n        pointsLedger(first: 10) {\n          edges { node { id delta balanceAfter reason note createdAt } }\n        }\n      }\n      orders(first: 10) {\n        totalCount\n        edges { node { id number status placedAt total { amount currency } } }\n      }\n      tickets(first: 10) {\n        totalCount\n        edges { node { id number subject status priority slaDueAt slaBreached } }\n      }\n      interactions(first: 10) {\n        totalCount\n        edges { node { id kind channel summary occurredAt staff { id name } } }\n      }\n    }\n  }\n": typeof types.CustomerPageDocument,
    "\n  query Timeline($id: ID!, $after: String) {\n    customer(id: $id) {\n      id\n      timeline(first: 20, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges {\n          cursor\n          node {\n            __typename\n            ... on Order { id number orderStatus: status placedAt total { amount currency } }\n            ... on Ticket { id number subject ticketStatus: status createdAt }\n            ... on Interaction { id kind summary occurredAt staff { name } }\n            ... on PointsEntry { id delta reason note createdAt }\n            ... on TierChange { at tierReason: reason from { name } to { name } }\n            ... on Opportunity { id title opportunityStatus: status createdAt amount { amount currency } }\n          }\n        }\n      }\n    }\n  }\n": typeof types.TimelineDocument,
    "\n  mutation LogInteraction($input: LogInteractionInput!) {\n    logInteraction(input: $input) { interaction { id } errors { field code message } }\n  }\n": typeof types.LogInteractionDocument,
    "\n  mutation OpenTicket($input: OpenTicketInput!) {\n    openTicket(input: $input) { ticket { id number } errors { field code message } }\n  }\n": typeof types.OpenTicketDocument,
    "\n  mutation AdjustPoints($input: AdjustPointsInput!) {\n    adjustPoints(input: $input) { membership { id pointsBalance } errors { field code message } }\n  }\n": typeof types.AdjustPointsDocument,
    "\n  query Reports($from: DateTime) {\n    reports {\n      salesByNode(from: $from, groupBy: MONTH) {\n        node { id name }\n        rows { period node { id name } revenue { amount currency } orders }\n      }\n      tierDistribution { counts { node { id name } tier { id name rank } members } }\n      rfm { segments { segment customers } }\n      ticketSla(from: $from) { rows { node { id name } opened resolved breached medianResolutionSeconds } }\n    }\n  }\n": typeof types.ReportsDocument,
    "\n  subscription Events($after: String) {\n    events(after: $after) {\n      cursor type occurredAt\n      node { id name }\n      subject {\n        __typename id\n        ... on Customer { name }\n        ... on Interaction { summary customer { id name } }\n        ... on Order { number }\n        ... on Ticket { number subject }\n      }\n    }\n  }\n": typeof types.EventsDocument,
};
const documents: Documents = {
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) { token errors { field code message } }\n  }\n": types.LoginDocument,
    "\n  query Me {\n    me {\n      id name email role locale\n      scope { id name settings { timezone currency locale } }\n    }\n  }\n": types.MeDocument,
    "\n  query TreeRoot {\n    tierTree { ...TreeNode }\n  }\n  fragment TreeNode on TierNode {\n    id code name kind depth\n    children(first: 0) { totalCount }\n    rollup { customerCount memberCount openTicketCount revenue { amount currency } }\n  }\n": types.TreeRootDocument,
    "\n  query TreeChildren($id: ID!, $after: String) {\n    node(id: $id) {\n      __typename\n      ... on TierNode {\n        id\n        children(first: 50, after: $after) {\n          edges { node { ...TreeNode } }\n          pageInfo { hasNextPage endCursor }\n        }\n      }\n    }\n  }\n": types.TreeChildrenDocument,
    "\n  query NodeSettings($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on TierNode {\n        id name\n        ownSettings { currency locale timezone membershipProgram { id name } }\n        settings { currency locale timezone membershipProgram { id name } }\n      }\n    }\n  }\n": types.NodeSettingsDocument,
    "\n  query SearchOptions {\n    membershipPrograms { id name tiers { id name rank } }\n    tierTree { id name descendants(first: 100, maxDepth: 3) { edges { node { id name depth } } } }\n  }\n": types.SearchOptionsDocument,
    "\n  query SearchCustomers($first: Int!, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {\n    customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        cursor\n        node {\n          id name email externalRef tags createdAt\n          node { id name }\n          membership { id pointsBalance tier { id name } }\n        }\n      }\n    }\n  }\n": types.SearchCustomersDocument,
    "\n  query CustomerPage($id: ID!) {\n    customer(id: $id) {\n      id name email phone externalRef locale tags createdAt\n      node { id name code settings { timezone currency locale } }\n      lifetimeValue { amount currency }\n      membership {\n        id pointsBalance qualifyingPoints joinedAt\n        program { id name }\n        tier { id name }\n        coupons { id code status percentOff expiresAt amountOff { amount currency } }\n        pointsLedger(first: 10) {\n          edges { node { id delta balanceAfter reason note createdAt } }\n        }\n      }\n      orders(first: 10) {\n        totalCount\n        edges { node { id number status placedAt total { amount currency } } }\n      }\n      tickets(first: 10) {\n        totalCount\n        edges { node { id number subject status priority slaDueAt slaBreached } }\n      }\n      interactions(first: 10) {\n        totalCount\n        edges { node { id kind channel summary occurredAt staff { id name } } }\n      }\n    }\n  }\n": types.CustomerPageDocument,
    "\n  query Timeline($id: ID!, $after: String) {\n    customer(id: $id) {\n      id\n      timeline(first: 20, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges {\n          cursor\n          node {\n            __typename\n            ... on Order { id number orderStatus: status placedAt total { amount currency } }\n            ... on Ticket { id number subject ticketStatus: status createdAt }\n            ... on Interaction { id kind summary occurredAt staff { name } }\n            ... on PointsEntry { id delta reason note createdAt }\n            ... on TierChange { at tierReason: reason from { name } to { name } }\n            ... on Opportunity { id title opportunityStatus: status createdAt amount { amount currency } }\n          }\n        }\n      }\n    }\n  }\n": types.TimelineDocument,
    "\n  mutation LogInteraction($input: LogInteractionInput!) {\n    logInteraction(input: $input) { interaction { id } errors { field code message } }\n  }\n": types.LogInteractionDocument,
    "\n  mutation OpenTicket($input: OpenTicketInput!) {\n    openTicket(input: $input) { ticket { id number } errors { field code message } }\n  }\n": types.OpenTicketDocument,
    "\n  mutation AdjustPoints($input: AdjustPointsInput!) {\n    adjustPoints(input: $input) { membership { id pointsBalance } errors { field code message } }\n  }\n": types.AdjustPointsDocument,
    "\n  query Reports($from: DateTime) {\n    reports {\n      salesByNode(from: $from, groupBy: MONTH) {\n        node { id name }\n        rows { period node { id name } revenue { amount currency } orders }\n      }\n      tierDistribution { counts { node { id name } tier { id name rank } members } }\n      rfm { segments { segment customers } }\n      ticketSla(from: $from) { rows { node { id name } opened resolved breached medianResolutionSeconds } }\n    }\n  }\n": types.ReportsDocument,
    "\n  subscription Events($after: String) {\n    events(after: $after) {\n      cursor type occurredAt\n      node { id name }\n      subject {\n        __typename id\n        ... on Customer { name }\n        ... on Interaction { summary customer { id name } }\n        ... on Order { number }\n        ... on Ticket { number subject }\n      }\n    }\n  }\n": types.EventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) { token errors { field code message } }\n  }\n"): typeof import('./graphql').LoginDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id name email role locale\n      scope { id name settings { timezone currency locale } }\n    }\n  }\n"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TreeRoot {\n    tierTree { ...TreeNode }\n  }\n  fragment TreeNode on TierNode {\n    id code name kind depth\n    children(first: 0) { totalCount }\n    rollup { customerCount memberCount openTicketCount revenue { amount currency } }\n  }\n"): typeof import('./graphql').TreeRootDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TreeChildren($id: ID!, $after: String) {\n    node(id: $id) {\n      __typename\n      ... on TierNode {\n        id\n        children(first: 50, after: $after) {\n          edges { node { ...TreeNode } }\n          pageInfo { hasNextPage endCursor }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').TreeChildrenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NodeSettings($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on TierNode {\n        id name\n        ownSettings { currency locale timezone membershipProgram { id name } }\n        settings { currency locale timezone membershipProgram { id name } }\n      }\n    }\n  }\n"): typeof import('./graphql').NodeSettingsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchOptions {\n    membershipPrograms { id name tiers { id name rank } }\n    tierTree { id name descendants(first: 100, maxDepth: 3) { edges { node { id name depth } } } }\n  }\n"): typeof import('./graphql').SearchOptionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchCustomers($first: Int!, $after: String, $filter: CustomerFilter, $orderBy: CustomerOrder) {\n    customers(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        cursor\n        node {\n          id name email externalRef tags createdAt\n          node { id name }\n          membership { id pointsBalance tier { id name } }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').SearchCustomersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CustomerPage($id: ID!) {\n    customer(id: $id) {\n      id name email phone externalRef locale tags createdAt\n      node { id name code settings { timezone currency locale } }\n      lifetimeValue { amount currency }\n      membership {\n        id pointsBalance qualifyingPoints joinedAt\n        program { id name }\n        tier { id name }\n        coupons { id code status percentOff expiresAt amountOff { amount currency } }\n        pointsLedger(first: 10) {\n          edges { node { id delta balanceAfter reason note createdAt } }\n        }\n      }\n      orders(first: 10) {\n        totalCount\n        edges { node { id number status placedAt total { amount currency } } }\n      }\n      tickets(first: 10) {\n        totalCount\n        edges { node { id number subject status priority slaDueAt slaBreached } }\n      }\n      interactions(first: 10) {\n        totalCount\n        edges { node { id kind channel summary occurredAt staff { id name } } }\n      }\n    }\n  }\n"): typeof import('./graphql').CustomerPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Timeline($id: ID!, $after: String) {\n    customer(id: $id) {\n      id\n      timeline(first: 20, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges {\n          cursor\n          node {\n            __typename\n            ... on Order { id number orderStatus: status placedAt total { amount currency } }\n            ... on Ticket { id number subject ticketStatus: status createdAt }\n            ... on Interaction { id kind summary occurredAt staff { name } }\n            ... on PointsEntry { id delta reason note createdAt }\n            ... on TierChange { at tierReason: reason from { name } to { name } }\n            ... on Opportunity { id title opportunityStatus: status createdAt amount { amount currency } }\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').TimelineDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogInteraction($input: LogInteractionInput!) {\n    logInteraction(input: $input) { interaction { id } errors { field code message } }\n  }\n"): typeof import('./graphql').LogInteractionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OpenTicket($input: OpenTicketInput!) {\n    openTicket(input: $input) { ticket { id number } errors { field code message } }\n  }\n"): typeof import('./graphql').OpenTicketDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdjustPoints($input: AdjustPointsInput!) {\n    adjustPoints(input: $input) { membership { id pointsBalance } errors { field code message } }\n  }\n"): typeof import('./graphql').AdjustPointsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Reports($from: DateTime) {\n    reports {\n      salesByNode(from: $from, groupBy: MONTH) {\n        node { id name }\n        rows { period node { id name } revenue { amount currency } orders }\n      }\n      tierDistribution { counts { node { id name } tier { id name rank } members } }\n      rfm { segments { segment customers } }\n      ticketSla(from: $from) { rows { node { id name } opened resolved breached medianResolutionSeconds } }\n    }\n  }\n"): typeof import('./graphql').ReportsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Events($after: String) {\n    events(after: $after) {\n      cursor type occurredAt\n      node { id name }\n      subject {\n        __typename id\n        ... on Customer { name }\n        ... on Interaction { summary customer { id name } }\n        ... on Order { number }\n        ... on Ticket { number subject }\n      }\n    }\n  }\n"): typeof import('./graphql').EventsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
